namespace PmoLedger.Web;

/// <summary>
/// One page of a long list: a career of a thousand entries rendered whole outgrows the 100 KB a page may weigh
/// (web.md), so long lists are served a page at a time, server-side, with plain links between pages.
/// </summary>
public sealed record ListPage<T>(IReadOnlyList<T> Items, int Number, int Count, int Total)
{
    /// <param name="requested">The page asked for (from 1); out of range is clamped, absent is <paramref name="fallback"/>.</param>
    /// <param name="fallback">Which page to show when none was asked for: the first, or the last.</param>
    public static ListPage<T> Of(IReadOnlyList<T> all, int size, int? requested, PageFallback fallback = PageFallback.First)
    {
        var (number, count) = Locate(all.Count, size, requested, fallback);
        return new ListPage<T>(all.Skip((number - 1) * size).Take(size).ToList(), number, count, all.Count);
    }

    /// <summary>Which page to show of <paramref name="total"/> items, for lists read a page at a time from the database.</summary>
    public static (int Number, int Count) Locate(int total, int size, int? requested, PageFallback fallback = PageFallback.First)
    {
        var count = Math.Max(1, (total + size - 1) / size);
        return (Math.Clamp(requested ?? (fallback == PageFallback.Last ? count : 1), 1, count), count);
    }

    public bool HasPrevious => Number > 1;
    public bool HasNext => Number < Count;
}

public enum PageFallback { First, Last }

/// <summary>The links between pages of a list, rendered by the _Pager partial.</summary>
public sealed record Pager(string Label, string? Previous, string PreviousText, string? Next, string NextText);
