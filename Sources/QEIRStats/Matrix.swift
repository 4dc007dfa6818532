/// A dense matrix of `Double`s in column-major order, laid out exactly as BLAS and LAPACK
/// expect (leading dimension = ``rows``).
///
/// `Matrix` is a value type with copy-on-write storage; element `(i, j)` lives at
/// `storage[i + j * rows]`.
public struct Matrix: Sendable, Hashable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// Column-major elements; `storage.count == rows * columns`.
    public internal(set) var storage: [Double]

    /// A matrix filled with one value.
    /// - Parameters:
    ///   - rows: number of rows (≥ 0).
    ///   - columns: number of columns (≥ 0).
    ///   - value: the fill value.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.storage = [Double](repeating: value, count: rows * columns)
    }

    /// A matrix over existing column-major storage.
    /// - Throws: ``StatsError/Code/dimensionMismatch`` when `storage.count != rows * columns`.
    public init(rows: Int, columns: Int, columnMajor storage: [Double]) throws {
        guard rows >= 0, columns >= 0, storage.count == rows * columns else {
            throw StatsError(
                .dimensionMismatch,
                "A \(rows)×\(columns) matrix needs \(rows * columns) elements, got \(storage.count).")
        }
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// A matrix from equally long columns.
    /// - Throws: ``StatsError/Code/dimensionMismatch`` when the columns differ in length.
    public init(columns: [[Double]]) throws {
        let n = columns.first?.count ?? 0
        for (j, c) in columns.enumerated() where c.count != n {
            throw StatsError(
                .dimensionMismatch, "Column \(j) has \(c.count) values; column 0 has \(n).")
        }
        self.rows = n
        self.columns = columns.count
        var s = [Double]()
        s.reserveCapacity(n * columns.count)
        for c in columns { s.append(contentsOf: c) }
        self.storage = s
    }

    /// A matrix from rows given as arrays (convenient for small literals).
    /// - Throws: ``StatsError/Code/dimensionMismatch`` when the rows differ in length.
    public init(rowMajor rowArrays: [[Double]]) throws {
        let k = rowArrays.first?.count ?? 0
        for (i, r) in rowArrays.enumerated() where r.count != k {
            throw StatsError(.dimensionMismatch, "Row \(i) has \(r.count) values; row 0 has \(k).")
        }
        self.rows = rowArrays.count
        self.columns = k
        var s = [Double](repeating: 0, count: rowArrays.count * k)
        for (i, r) in rowArrays.enumerated() {
            for j in 0..<k { s[i + j * rowArrays.count] = r[j] }
        }
        self.storage = s
    }

    /// The identity matrix of order `n`.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m.storage[i + i * n] = 1 }
        return m
    }

    /// Element `(row, column)`.
    public subscript(row: Int, column: Int) -> Double {
        get { storage[row + column * rows] }
        set { storage[row + column * rows] = newValue }
    }

    /// A copy of column `j`.
    public func column(_ j: Int) -> [Double] {
        Array(storage[(j * rows)..<((j + 1) * rows)])
    }

    /// A copy of row `i`.
    public func row(_ i: Int) -> [Double] {
        (0..<columns).map { storage[i + $0 * rows] }
    }

    /// The diagonal of a square (or rectangular) matrix.
    public var diagonal: [Double] {
        (0..<min(rows, columns)).map { storage[$0 + $0 * rows] }
    }

    /// The transpose.
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for j in 0..<columns {
            for i in 0..<rows { t.storage[j + i * columns] = storage[i + j * rows] }
        }
        return t
    }

    /// Rows as arrays (for printing and JSON).
    public var rowArrays: [[Double]] { (0..<rows).map(row) }

    /// The columns `indices`, in that order.
    public func selectingColumns(_ indices: [Int]) -> Matrix {
        var m = Matrix(rows: rows, columns: indices.count)
        for (jj, j) in indices.enumerated() {
            m.storage.replaceSubrange(
                (jj * rows)..<((jj + 1) * rows), with: storage[(j * rows)..<((j + 1) * rows)])
        }
        return m
    }

    /// The rows `indices`, in that order.
    public func selectingRows(_ indices: [Int]) -> Matrix {
        var m = Matrix(rows: indices.count, columns: columns)
        let r = indices.count
        storage.withUnsafeBufferPointer { src in
            m.storage.withUnsafeMutableBufferPointer { dst in
                for j in 0..<columns {
                    let s = j * rows
                    let d = j * r
                    for (ii, i) in indices.enumerated() { dst[d + ii] = src[s + i] }
                }
            }
        }
        return m
    }

    /// This matrix with the columns of `other` appended on the right.
    public func appendingColumns(_ other: Matrix) -> Matrix {
        precondition(other.rows == rows, "appendingColumns: row counts differ")
        var s = [Double]()
        s.reserveCapacity(storage.count + other.storage.count)
        s.append(contentsOf: storage)
        s.append(contentsOf: other.storage)
        return Matrix(uncheckedRows: rows, columns: columns + other.columns, storage: s)
    }

    init(uncheckedRows rows: Int, columns: Int, storage: [Double]) {
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }
}
