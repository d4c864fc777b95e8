using Microsoft.AspNetCore.Mvc.RazorPages;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Web.Pages.Me;

[WebAuthorize(Roles.Practitioner)]
public sealed class TimelineModel(IQuerySession session) : PageModel
{
    /// <summary>Newest first, a page at a time: page 1 is the most recent.</summary>
    public const int PageSize = 50;
    public ListPage<TimelineEntry> Entries { get; private set; } = ListPage<TimelineEntry>.Of([], PageSize, null);
    public IReadOnlyList<string> Kinds { get; private set; } = [];
    public string? Kind { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? kind, int? timelinePage, CancellationToken ct)
    {
        if (WebRead.Me(User) is not { } id || !WebRead.Allowed(GetTimelineEndpoint.Before(User, id))) return StatusCode(403);
        var timeline = await session.LoadAsync<Timeline>(id, ct);
        if (timeline is null) return NotFound();
        Kinds = timeline.Entries.Select(e => e.Kind).Distinct().Order().ToList();
        Kind = Kinds.Contains(kind) ? kind : null;
        Entries = ListPage<TimelineEntry>.Of(timeline.Entries.AsEnumerable().Reverse().Where(e => Kind is null || e.Kind == Kind).ToList(), PageSize, timelinePage);
        return Page();
    }

    // Not "page": Razor Pages keeps that route value for the page's own name.
    public Pager Pager => new("Timeline pages",
        Entries.HasPrevious ? Url.Page("/Me/Timeline", new { kind = Kind, timelinePage = Entries.Number - 1 }) : null, "Newer entries",
        Entries.HasNext ? Url.Page("/Me/Timeline", new { kind = Kind, timelinePage = Entries.Number + 1 }) : null, "Older entries");
}
