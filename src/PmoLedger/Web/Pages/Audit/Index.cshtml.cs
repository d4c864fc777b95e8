using Microsoft.AspNetCore.Mvc.RazorPages;
using PmoLedger.Features.Audit;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Web.Pages.Audit;

[WebAuthorize(Roles.Auditor)]
public sealed class IndexModel(IQuerySession session, IDocumentStore store, TimeProvider clock) : PageModel
{
    public IntegrityReport? Integrity { get; private set; }
    public ProjectionVerification? Projections { get; private set; }
    public DateTimeOffset? CheckedAt { get; private set; }

    /// <summary>The API's integrity check: the hash chain over every event, verified now.</summary>
    public async Task OnPostIntegrityAsync(CancellationToken ct)
    {
        Integrity = await VerifyIntegrityEndpoint.Get(session, ct);
        CheckedAt = clock.GetUtcNow();
        await OnGetAsync(null, null, null, ct);
    }

    /// <summary>The API's drift check: every read model rebuilt in memory and compared with the stored one.</summary>
    public async Task OnPostProjectionsAsync(CancellationToken ct)
    {
        Projections = await VerifyProjectionsEndpoint.Post(store, ct);
        CheckedAt = clock.GetUtcNow();
        await OnGetAsync(null, null, null, ct);
    }

    /// <summary>
    /// The event log exactly as <c>GET /api/audit/events</c> streams it (same method, same NDJSON); the API takes
    /// bearer tokens only, so the page serves it for the auditor's session, as a file to keep.
    /// </summary>
    public IActionResult OnGetExport(string? after, string? limit)
    {
        if (ExportEventsEndpoint.Validate(after, limit) is HttpValidationProblemDetails invalid)
            return new EndpointResult(Results.Problem(invalid));
        Response.Headers.ContentDisposition = "attachment; filename=\"pmoledger-events.ndjson\"";
        return new EndpointResult(ExportEventsEndpoint.Get(after, limit, store, HttpContext));
    }

    public string? Query { get; private set; }
    public string? Organisation { get; private set; }
    public string? Level { get; private set; }
    public IReadOnlyList<PractitionerListing> Found { get; private set; } = [];
    public string? SearchProblem { get; private set; }
    public static IReadOnlyList<string> CareerLevels { get; } = Enum.GetValues<CareerLevel>().Select(l => l.Wire()).ToList();

    public async Task OnGetAsync(string? q, string? organisation, string? careerLevel, CancellationToken ct)
    {
        (Query, Organisation, Level) = (q?.Trim(), organisation?.Trim(), careerLevel?.Trim());
        (Found, SearchProblem) = await WebSearch.Practitioners(session, Query, ct, Organisation, Level);
        if (SearchProblem is not null) Response.StatusCode = StatusCodes.Status400BadRequest;
    }
}
