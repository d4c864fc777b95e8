using System.Globalization;

namespace PmoLedger.Infrastructure;

/// <summary>`page` and `pageSize` query values, parsed once for every paged list.</summary>
public sealed record Paging(int Page, int PageSize)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    public static Paging Parse(Problems problems, string? page, string? pageSize) => new(
        Number(problems, "page", page, 1, 1, int.MaxValue / MaxPageSize),
        Number(problems, "pageSize", pageSize, DefaultPageSize, 1, MaxPageSize));

    private static int Number(Problems problems, string field, string? text, int fallback, int min, int max)
    {
        if (string.IsNullOrEmpty(text)) return fallback;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
        problems.Add(field, $"'{field}' must be a whole number from {min} to {max}.");
        return fallback;
    }
}

/// <summary>One page of a list, with the total so a client knows how many pages there are.</summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, long Total);
