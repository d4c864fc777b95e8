using Microsoft.AspNetCore.Mvc.RazorPages;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Web.Pages.Audit;

[WebAuthorize(Roles.Auditor)]
public sealed class IndexModel(IQuerySession session) : PageModel
{
    public string? Query { get; private set; }
    public IReadOnlyList<PractitionerProfile> Found { get; private set; } = [];

    /// <summary>By part of the name or email, case-insensitive; at most 50, newest registrations first.</summary>
    public async Task OnGetAsync(string? q, CancellationToken ct)
    {
        Query = q?.Trim();
        var matches = session.Query<PractitionerProfile>().AsQueryable();
        if (!string.IsNullOrEmpty(Query))
            matches = matches.Where(p => p.FullName.Contains(Query, StringComparison.OrdinalIgnoreCase)
                                         || p.Email.Contains(Query, StringComparison.OrdinalIgnoreCase));
        Found = await matches.OrderBy(p => p.FullName).Take(50).ToListAsync(ct);
    }
}
