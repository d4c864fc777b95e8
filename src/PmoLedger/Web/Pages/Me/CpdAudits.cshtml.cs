using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc.RazorPages;
using PmoLedger.Features.Cpd;

namespace PmoLedger.Web.Pages.Me;

/// <summary>The practitioner's CPD audits: what to send and by when, and the form that sends it (the API's own route methods).</summary>
[WebAuthorize(Roles.Practitioner)]
public sealed class CpdAuditsModel(IQuerySession session, IDocumentSession writer, WebWrite write, KeyRing keys, TimeProvider clock) : PageModel
{
    public IReadOnlyList<CpdAudit> Audits { get; private set; } = [];
    public IReadOnlyDictionary<Guid, string> Titles { get; private set; } = new Dictionary<Guid, string>();
    public IDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();
    public Guid? FailedActivity { get; private set; }
    public bool Sent { get; private set; }

    public async Task<IActionResult> OnGetAsync(bool sent, CancellationToken ct)
    {
        if (WebRead.Me(User) is not { } id) return StatusCode(403);
        Sent = sent;
        return await Show(id, ct);
    }

    /// <summary>The upload form posts multipart/form-data straight to the route's method, which reads the form itself.</summary>
    public async Task<IActionResult> OnPostAsync(Guid auditId, CancellationToken ct)
    {
        if (WebRead.Me(User) is not { } id || !WebRead.Allowed(SubmitCpdEvidenceEndpoint.Before(User, id))) return StatusCode(403);
        write.Begin(User);
        var result = await SubmitCpdEvidenceEndpoint.Post(id, auditId, Request, writer, keys, clock, ct);
        var problem = result is ProblemHttpResult p ? p.ProblemDetails : await write.Commit([], ct);
        if (problem is null) return RedirectToPage(new { sent = true });
        Errors = WebWrite.Errors(problem);
        FailedActivity = Guid.TryParse(Request.Form["activityId"], out var activity) ? activity : null;
        Response.StatusCode = problem.Status ?? StatusCodes.Status400BadRequest;
        return await Show(id, ct);
    }

    private async Task<IActionResult> Show(Guid id, CancellationToken ct)
    {
        var audits = WebRead.Value<IReadOnlyList<CpdAudit>>(await ListPractitionerCpdAuditsEndpoint.Get(id, session, ct));
        if (audits is null) return NotFound();
        Audits = audits.AsEnumerable().Reverse().ToList();
        var ledger = await session.LoadAsync<PmoLedger.Features.Practitioners.Practitioner>(id, ct);
        Titles = ledger?.Cpd.ToDictionary(e => e.Id, e => $"{e.Title} ({e.OccurredOn:yyyy-MM-dd}, {e.Points:0.#} points of {e.Category.Wire()})")
                 ?? new Dictionary<Guid, string>();
        return Page();
    }

    public string TitleOf(Guid activity) => Titles.TryGetValue(activity, out var title) ? title : activity.ToString();

    public string? ErrorOf(Guid activity, string field) =>
        FailedActivity == activity && Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;
}
