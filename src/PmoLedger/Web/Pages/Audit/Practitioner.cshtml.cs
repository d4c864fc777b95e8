using System.Text.Json;
using Microsoft.AspNetCore.Mvc.RazorPages;
using PmoLedger.Features.Audit;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Web.Pages.Audit;

/// <summary>One practitioner as an auditor sees them, answered by the audit API's own endpoint methods.</summary>
[WebAuthorize(Roles.Auditor)]
public sealed class PractitionerModel(IQuerySession session, TimeProvider clock) : PageModel
{
    public ProfileView Profile { get; private set; } = null!;
    public TimelineView Timeline { get; private set; } = null!;

    /// <summary>The "now" timeline, newest first, a page at a time (page 1 is the most recent).</summary>
    public ListPage<TimelineEntry> Now { get; private set; } = null!;
    public const int TimelinePageSize = 50;

    /// <summary>The history, oldest first within a page; the newest page is shown unless another is asked for.</summary>
    public ListPage<AuditedEvent> History { get; private set; } = null!;
    public const int HistoryPageSize = 50;

    public string? AsOf { get; private set; }
    /// <summary>The business date asked about: what was true that day by today's knowledge (the profile only).</summary>
    public string? EffectiveOn { get; private set; }
    public string? AsOfError { get; private set; }
    public ProfileView? PastProfile { get; private set; }
    public TimelineView? PastTimeline { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, string? asOf, string? effectiveOn, int? historyPage, int? timelinePage, CancellationToken ct)
    {
        // Only a practitioner's stream has a profile: anything else is 404, as the API answers.
        var profile = await session.LoadAsync<PractitionerProfile>(id, ct);
        var stream = await session.Events.FetchStreamStateAsync(id, ct);
        if (profile is null || stream is null) return NotFound();
        // A page of the history is read, not the whole career: a stream's versions number its events from 1.
        var total = (int)stream.Version;
        var (number, count) = ListPage<AuditedEvent>.Locate(total, HistoryPageSize, historyPage, PageFallback.Last);
        var from = (number - 1) * HistoryPageSize + 1;
        History = new ListPage<AuditedEvent>(
            await GetEventHistoryEndpoint.RangeAsync(id, from, Math.Min(total, from + HistoryPageSize - 1), session, ct), number, count, total);
        Profile = ProfileView.From(profile, clock.Today());
        Timeline = TimelineView.From(await session.LoadAsync<Timeline>(id, ct) ?? new Timeline { Id = id });
        Now = ListPage<TimelineEntry>.Of(Timeline.Entries.AsEnumerable().Reverse().ToList(), TimelinePageSize, timelinePage);

        AsOf = string.IsNullOrWhiteSpace(asOf) ? null : asOf.Trim();
        EffectiveOn = string.IsNullOrWhiteSpace(effectiveOn) ? null : effectiveOn.Trim();
        if (AsOf is null && EffectiveOn is null) return Page();
        if (GetPastProfileEndpoint.Validate(AsOf, EffectiveOn, clock) is HttpValidationProblemDetails invalid)
        {
            AsOfError = string.Join(" ", invalid.Errors.SelectMany(e => e.Value));
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        PastProfile = WebRead.Value<ProfileView>(await GetPastProfileEndpoint.Get(id, AsOf, EffectiveOn, session, ct));
        // The API keeps no timeline by business date, so a business date shows the profile alone.
        if (AsOf is not null)
            PastTimeline = WebRead.Value<TimelineView>(await GetPastTimelineEndpoint.Get(id, AsOf, session, ct));
        if (PastProfile is null) AsOfError = "The practitioner was not on record yet at that instant.";
        return Page();
    }

    // Not "page": Razor Pages keeps that route value for the page's own name.
    private string Link(int historyPage, int timelinePage) => Url.Page("/Audit/Practitioner", new { id = Profile.Id, asOf = AsOf, effectiveOn = EffectiveOn, historyPage, timelinePage })!;

    public Pager HistoryPager => new("History pages",
        History.HasPrevious ? Link(History.Number - 1, Now.Number) : null, "Older events",
        History.HasNext ? Link(History.Number + 1, Now.Number) : null, "Newer events");

    public Pager TimelinePager => new("Timeline pages",
        Now.HasPrevious ? Link(History.Number, Now.Number - 1) : null, "Newer entries",
        Now.HasNext ? Link(History.Number, Now.Number + 1) : null, "Older entries");

    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string Data(AuditedEvent e) => JsonSerializer.Serialize(e.Data, e.Data.GetType(), Indented);

    /// <summary>An entry differs when the other view has no entry recorded at the same instant with the same status.</summary>
    public static bool Differs(TimelineEntry entry, TimelineView? other) =>
        other is not null && !other.Entries.Any(o => o.RecordedAt == entry.RecordedAt && o.Kind == entry.Kind && o.Ref == entry.Ref && o.Status == entry.Status);
}
