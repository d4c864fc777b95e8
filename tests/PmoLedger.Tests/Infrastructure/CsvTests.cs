using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Infrastructure;

public class CsvTests
{
    [Fact]
    public void plain_fields_split_on_commas_and_lines()
    {
        var records = Csv.Parse("a,b,c\r\n1,2,3\n");
        records.Select(r => r.Fields).ShouldBe([["a", "b", "c"], ["1", "2", "3"]]);
        records.Select(r => r.Line).ShouldBe([1, 2]);
    }

    [Fact]
    public void quoted_fields_hold_commas_doubled_quotes_and_line_breaks()
    {
        var records = Csv.Parse("title,note\n\"Risk, issues and \"\"RAID\"\" logs\",\"line one\r\nline two\"\nnext,row");
        records[0].Fields.ShouldBe(["title", "note"]);
        records[1].Fields.ShouldBe(["Risk, issues and \"RAID\" logs", "line one\r\nline two"]);
        records[2].Fields.ShouldBe(["next", "row"]);
        records[2].Line.ShouldBe(4);
    }

    [Fact]
    public void blank_lines_are_skipped_and_empty_fields_kept()
    {
        var records = Csv.Parse("\na,,\"\"\n\r\n\nb,c,d\n\n");
        records.Select(r => r.Fields).ShouldBe([["a", "", ""], ["b", "c", "d"]]);
        records[1].Line.ShouldBe(5);
    }

    [Fact]
    public void a_last_line_without_a_line_break_is_a_record()
    {
        Csv.Parse("a,b\n1,").Select(r => r.Fields).ShouldBe([["a", "b"], ["1", ""]]);
    }

    [Fact]
    public void a_byte_order_mark_is_not_part_of_the_first_field()
    {
        Csv.Parse("\uFEFFa,b")[0].Fields.ShouldBe(["a", "b"]);
    }

    [Theory]
    [InlineData("a,\"unclosed\n1,2", 1)]
    [InlineData("a,\"closed\"junk\n", 1)]
    [InlineData("a\nab\"c", 2)]
    public void broken_quoting_fails_naming_the_line(string text, int line)
    {
        Should.Throw<CsvFormatException>(() => Csv.Parse(text)).Line.ShouldBe(line);
    }
}
