import Foundation
import QEIRData
import QEIRTestSupport
import Testing

struct DataTableTests {
    @Test func parsesQuotedFieldsAndNumbers() throws {
        let t = try DataTable(csv: "name,x,y\n\"a, inc\",1.5,2\n\"b \"\"q\"\"\",-3e2,4\n", source: "t.csv")
        #expect(t.columnNames == ["name", "x", "y"])
        #expect(t.rowCount == 2)
        #expect(try t.textColumn("name") == ["a, inc", "b \"q\""])
        #expect(try t.numericColumn("x") == [1.5, -300])
    }

    @Test func emptyFileIsAnError() throws {
        let e = #expect(throws: DataError.self) { try DataTable(csv: "", source: "empty.csv") }
        #expect(e?.code == .emptyData)
        #expect(e?.message == "empty.csv is empty: a header row naming the columns is required.")
    }

    @Test func headerWithoutRowsIsAnError() throws {
        let e = #expect(throws: DataError.self) { try DataTable(csv: "a,b\n", source: "h.csv") }
        #expect(e?.message == "h.csv has a header but no data rows.")
    }

    @Test func raggedRowNamesTheRow() throws {
        let e = #expect(throws: DataError.self) { try DataTable(csv: "a,b\n1,2\n3\n", source: "r.csv") }
        #expect(e?.code == .raggedRow)
        #expect(
            e?.message
                == "r.csv: data row 2 has 1 field(s) but the header has 2; fix the row so every row has one value per column."
        )
    }

    @Test func duplicateHeaderIsAnError() throws {
        let e = #expect(throws: DataError.self) { try DataTable(csv: "a,a\n1,2\n", source: "d.csv") }
        #expect(e?.code == .duplicateColumn)
        #expect(e?.message == "d.csv: column 'a' appears twice in the header; column names must be unique.")
    }

    @Test func missingColumnListsTheColumns() throws {
        let t = try DataTable(csv: "a,b\n1,2\n", source: "m.csv")
        let e = #expect(throws: DataError.self) { try t.numericColumn("c") }
        #expect(e?.message == "m.csv has no column 'c'; its columns are a, b.")
    }

    @Test(arguments: ["", "NA", ".", "nan", "abc", "inf"])
    func nonNumericCellsAreReportedWithRowAndValue(cell: String) throws {
        let t = try DataTable(csv: "a,b\n1,2\n\(cell),3\n", source: "n.csv")
        let e = #expect(throws: DataError.self) { try t.numericColumn("a") }
        #expect(e?.code == .nonNumeric)
        #expect(e?.context["row"] == "2")
        #expect(e?.context["value"] == cell)
        #expect(e?.message.contains("n.csv: column 'a' has") == true)
    }

    @Test func unreadableFileNamesThePath() throws {
        let e = #expect(throws: DataError.self) {
            try DataTable(contentsOf: URL(fileURLWithPath: "/nonexistent/qeir.csv"))
        }
        #expect(e?.code == .unreadableFile)
        #expect(e?.message == "Cannot read /nonexistent/qeir.csv: check the path exists and is UTF-8 text.")
    }
}
