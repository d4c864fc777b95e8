using Microsoft.AspNetCore.Mvc.RazorPages;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Web.Pages.Me;

[WebAuthorize(Roles.Practitioner)]
public sealed class IndexModel(IQuerySession session, TimeProvider clock) : PageModel
{
    public ProfileView Profile { get; private set; } = null!;
    public CareerChart Chart { get; private set; } = null!;
    public CpdLedgerView Cpd { get; private set; } = null!;
    public IReadOnlyList<TimelineEntry> Latest { get; private set; } = [];
    public DateOnly Today { get; private set; }
    public IReadOnlyList<CpdAudit> OpenAudits { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (WebRead.Me(User) is not { } id || !WebRead.Allowed(GetProfileEndpoint.Before(User, id))) return StatusCode(403);
        Today = clock.Today();
        var profile = await session.LoadAsync<PractitionerProfile>(id, ct);
        if (profile is null) return NotFound();
        Profile = ProfileView.From(profile, Today);
        Chart = CareerChart.For(profile.Roles, Today);
        Cpd = WebRead.Value<CpdLedgerView>(await GetCpdLedgerEndpoint.Get(id, null, session, ct)) ?? new CpdLedgerView(id, CpdRuleSet.Current.Version, [], []);
        var timeline = await session.LoadAsync<Timeline>(id, ct);
        Latest = timeline is null ? [] : timeline.Entries.AsEnumerable().Reverse().Take(6).ToList();
        OpenAudits = await session.Query<CpdAudit>().Where(a => a.PractitionerId == id && a.Outcome == null).ToListAsync(ct);
        return Page();
    }
}
