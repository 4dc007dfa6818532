import Foundation
import QEIRBatch
import QEIRData

extension HypothesisConfiguration {
    /// Parses `exclude_dates`: an array of quarters (`"2008Q4"`), ranges of quarters
    /// (`"2020Q1-2020Q2"`, both ends included) or dates (`"2008-11-25"`, the quarter holding
    /// it). Every hypothesis of the job drops those quarters from its estimation sample; the
    /// series stay intact, so lags and leads of neighbouring quarters are unaffected.
    mutating func applyExclusions(_ reader: Reader) throws {
        guard let value = reader.members["exclude_dates"] else { return }
        guard case .array(let items) = value else {
            throw HypothesisError.configuration(
                "exclude_dates", expected: "an array of quarters such as [\"2008Q4\", \"2020Q1-2020Q2\"]",
                found: value.text)
        }
        var quarters = Set<SeriesDate>()
        for (i, item) in items.enumerated() {
            let path = "exclude_dates[\(i)]"
            guard case .string(let text) = item, let range = Self.quarterRange(text) else {
                throw HypothesisError.configuration(
                    path, expected: "a quarter (2008Q4), a range of quarters (2020Q1-2020Q2) or a date (2008-11-25)",
                    found: item.text)
            }
            guard range.first <= range.last else {
                throw HypothesisError.configuration(
                    path, expected: "a range whose first quarter is not after its last", found: item.text)
            }
            guard range.last - range.first < 400 else {
                throw HypothesisError.configuration(
                    path, expected: "a range of at most 100 years", found: item.text)
            }
            for index in range.first...range.last { quarters.insert(Self.quarterStart(index)) }
        }
        excludedQuarters = quarters.sorted()
    }

    /// The first and last quarter index (year × 4 + quarter − 1) a text names, or `nil`.
    static func quarterRange(_ text: String) -> (first: Int, last: Int)? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let q = quarterIndex(t) { return (q, q) }
        // A range of quarters: split at the dash between two quarter labels.
        let parts = t.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 2, let a = quarterIndex(parts[0]), let b = quarterIndex(parts[1]) { return (a, b) }
        return nil
    }

    /// `2008Q4` or `2008-11-25` → the quarter's index.
    static func quarterIndex(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased()
        if t.count == 6, t.dropFirst(4).first == "Q", let year = Int(t.prefix(4)), let q = Int(t.suffix(1)),
            (1...4).contains(q), year >= 1000
        {
            return year * 4 + q - 1
        }
        if let date = try? SeriesDate(t) { return date.year * 4 + (date.month - 1) / 3 }
        return nil
    }

    /// The first day of the quarter with index `index`.
    static func quarterStart(_ index: Int) -> SeriesDate {
        // Valid by construction: months 1, 4, 7, 10 and day 1.
        (try? SeriesDate(year: index / 4, month: 3 * (index % 4) + 1, day: 1)) ?? SeriesDate(dayNumber: 0)
    }
}
