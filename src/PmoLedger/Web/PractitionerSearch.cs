using PmoLedger.Features.Practitioners;

namespace PmoLedger.Web;

public static class PractitionerSearch
{
    public const int Limit = 50;

    /// <summary>
    /// By part of the name or email, case-insensitive, at most <see cref="Limit"/>. Only registered
    /// practitioners (a profile always has a name; documents written before the projection filtered on
    /// the stream type may not).
    /// </summary>
    public static Task<IReadOnlyList<PractitionerProfile>> FindAsync(IQuerySession session, string? query, CancellationToken ct)
    {
        // An erased practitioner's profile keeps no address (null), and is found by name only.
        var matches = session.Query<PractitionerProfile>().Where(p => p.FullName != "");
        if (!string.IsNullOrEmpty(query))
            matches = matches.Where(p => p.FullName.Contains(query, StringComparison.OrdinalIgnoreCase)
                                         || (p.Email != null && p.Email.Contains(query, StringComparison.OrdinalIgnoreCase)));
        return matches.OrderBy(p => p.FullName).Take(Limit).ToListAsync(ct);
    }
}
