using PmoLedger.Features.Practitioners;

namespace PmoLedger.Web;

public static class PractitionerSearch
{
    public const int Limit = 50;

    /// <summary>
    /// By part of the name or email, case-insensitive, at most <see cref="Limit"/>. Only registered
    /// practitioners: the store also holds empty profile documents under provider stream ids.
    /// </summary>
    public static Task<IReadOnlyList<PractitionerProfile>> FindAsync(IQuerySession session, string? query, CancellationToken ct)
    {
        var matches = session.Query<PractitionerProfile>().Where(p => p.Email != "");
        if (!string.IsNullOrEmpty(query))
            matches = matches.Where(p => p.FullName.Contains(query, StringComparison.OrdinalIgnoreCase)
                                         || p.Email.Contains(query, StringComparison.OrdinalIgnoreCase));
        return matches.OrderBy(p => p.FullName).Take(Limit).ToListAsync(ct);
    }
}
