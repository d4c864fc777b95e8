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
    public IReadOnlyList<AuditedEvent> History { get; private set; } = [];

    /// <summary>The history is shown a page at a time so a long career stays a light page; the newest page first.</summary>
    public const int HistoryPageSize = 100;
    public int HistoryPage { get; private set; }
    public int HistoryPages { get; private set; }
    public int HistoryTotal { get; private set; }

    public string? AsOf { get; private set; }
    public string? AsOfError { get; private set; }
    public ProfileView? PastProfile { get; private set; }
    public TimelineView? PastTimeline { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, string? asOf, int? page, CancellationToken ct)
    {
        // The history answers 404 for anything but a practitioner's stream, as the API does.
        var history = WebRead.Value<List<AuditedEvent>>(await GetEventHistoryEndpoint.Get(id, session, ct));
        var profile = await session.LoadAsync<PractitionerProfile>(id, ct);
        if (history is null || profile is null) return NotFound();
        HistoryTotal = history.Count;
        HistoryPages = Math.Max(1, (history.Count + HistoryPageSize - 1) / HistoryPageSize);
        HistoryPage = Math.Clamp(page ?? HistoryPages, 1, HistoryPages);
        History = history.Skip((HistoryPage - 1) * HistoryPageSize).Take(HistoryPageSize).ToList();
        Profile = ProfileView.From(profile, clock.Today());
        Timeline = TimelineView.From(await session.LoadAsync<Timeline>(id, ct) ?? new Timeline { Id = id });

        AsOf = string.IsNullOrWhiteSpace(asOf) ? null : asOf.Trim();
        if (AsOf is null) return Page();
        if (GetPastTimelineEndpoint.Validate(AsOf, null, clock) is HttpValidationProblemDetails invalid)
        {
            AsOfError = string.Join(" ", invalid.Errors.SelectMany(e => e.Value));
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        PastProfile = WebRead.Value<ProfileView>(await GetPastProfileEndpoint.Get(id, AsOf, null, session, ct));
        PastTimeline = WebRead.Value<TimelineView>(await GetPastTimelineEndpoint.Get(id, AsOf, session, ct));
        if (PastProfile is null) AsOfError = "The practitioner was not on record yet at that instant.";
        return Page();
    }

    public string HistoryLink(int page) => Url.Page("/Audit/Practitioner", new { id = Profile.Id, asOf = AsOf, page })!;

    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string Data(AuditedEvent e) => JsonSerializer.Serialize(e.Data, e.Data.GetType(), Indented);

    /// <summary>An entry differs when the other view has no entry recorded at the same instant with the same status.</summary>
    public static bool Differs(TimelineEntry entry, TimelineView? other) =>
        other is not null && !other.Entries.Any(o => o.RecordedAt == entry.RecordedAt && o.Kind == entry.Kind && o.Ref == entry.Ref && o.Status == entry.Status);
}
