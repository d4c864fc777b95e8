using System.Text;

namespace PmoLedger.Infrastructure;

/// <summary>A CSV text that cannot be split into records, so no row of it can be trusted.</summary>
public sealed class CsvFormatException(int line, string message) : Exception($"Line {line}: {message}")
{
    public int Line { get; } = line;
}

/// <summary>One record and the line it starts on (quoted fields may span lines).</summary>
public sealed record CsvRecord(int Line, IReadOnlyList<string> Fields);

/// <summary>
/// RFC 4180: fields separated by commas, records by CRLF or LF; a field in double quotes may hold
/// commas, line breaks and doubled quotes (""). Blank lines are skipped.
/// </summary>
public static class Csv
{
    public static List<CsvRecord> Parse(string text)
    {
        var records = new List<CsvRecord>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var recordLine = 1;
        var i = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;   // a byte-order mark is not data

        void EndField()
        {
            fields.Add(field.ToString());
            field.Clear();
        }

        void EndRecord()
        {
            EndField();
            // A line with nothing on it is a blank line, not a record with one empty field.
            if (fields is not [""]) records.Add(new CsvRecord(recordLine, fields.ToList()));
            fields.Clear();
            recordLine = line;
        }

        while (i < text.Length)
        {
            var c = text[i];
            if (c == '"' && field.Length == 0)
            {
                var start = line;
                i++;
                while (true)
                {
                    if (i >= text.Length) throw new CsvFormatException(start, "a quoted field is never closed.");
                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    if (text[i] == '\n') line++;
                    field.Append(text[i++]);
                }
                if (i < text.Length && text[i] is not (',' or '\r' or '\n'))
                    throw new CsvFormatException(line, "a closing quote must be followed by a comma or the end of the line.");
                continue;
            }

            switch (c)
            {
                case ',':
                    EndField();
                    i++;
                    break;
                case '\r' or '\n':
                    i += c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
                    line++;
                    EndRecord();
                    break;
                case '"':
                    throw new CsvFormatException(line, "a quote inside an unquoted field; quote the whole field and double the quote (\"\").");
                default:
                    field.Append(c);
                    i++;
                    break;
            }
        }
        if (field.Length > 0 || fields.Count > 0) EndRecord();
        return records;
    }
}
