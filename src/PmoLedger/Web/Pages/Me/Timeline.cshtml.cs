using Microsoft.AspNetCore.Mvc.RazorPages;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Web.Pages.Me;

[WebAuthorize(Roles.Practitioner)]
public sealed class TimelineModel(IQuerySession session) : PageModel
{
    public IReadOnlyList<TimelineEntry> Entries { get; private set; } = [];
    public IReadOnlyList<string> Kinds { get; private set; } = [];
    public string? Kind { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? kind, CancellationToken ct)
    {
        if (WebRead.Me(User) is not { } id || !WebRead.Allowed(GetTimelineEndpoint.Before(User, id))) return StatusCode(403);
        var timeline = await session.LoadAsync<Timeline>(id, ct);
        if (timeline is null) return NotFound();
        Kinds = timeline.Entries.Select(e => e.Kind).Distinct().Order().ToList();
        Kind = Kinds.Contains(kind) ? kind : null;
        Entries = timeline.Entries.AsEnumerable().Reverse().Where(e => Kind is null || e.Kind == Kind).ToList();
        return Page();
    }
}
