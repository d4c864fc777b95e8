using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc.RazorPages;
using PmoLedger.Features.Audit;
using PmoLedger.Features.Cpd;

namespace PmoLedger.Web.Pages.Audit;

/// <summary>One CPD audit for the auditor: the evidence sent, a decision per activity, the conclusion.</summary>
[WebAuthorize(Roles.Auditor)]
public sealed class CpdAuditModel(IQuerySession session, IDocumentSession writer, WebWrite write, KeyRing keys, TimeProvider clock) : PageModel
{
    public CpdAudit Audit { get; private set; } = null!;
    public IReadOnlyDictionary<Guid, string> Titles { get; private set; } = new Dictionary<Guid, string>();
    public IDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();
    public Guid? FailedActivity { get; private set; }
    public string? Done { get; private set; }
    public string PractitionerName { get; private set; } = "";

    public Task<IActionResult> OnGetAsync(Guid id, string? done, CancellationToken ct)
    {
        Done = done;
        return Show(id, ct);
    }

    /// <summary>The evidence file as the API route serves it, for the signed-in auditor.</summary>
    public async Task<IActionResult> OnGetEvidenceAsync(Guid id, Guid evidenceId, CancellationToken ct)
    {
        var audit = await session.LoadAsync<CpdAudit>(id, ct);
        if (audit is null) return NotFound();
        return new EndpointResult(await GetCpdEvidenceEndpoint.Get(audit.PractitionerId, id, evidenceId, session, keys, ct));
    }

    public async Task<IActionResult> OnPostDecideAsync(Guid id, Guid activityId, string? decision, string? reason, CancellationToken ct)
    {
        var command = new DecideCpdActivity(decision, string.IsNullOrWhiteSpace(reason) ? null : reason);
        var problem = DecideCpdActivityEndpoint.Validate(command);
        if (WebRead.Allowed(problem))
        {
            write.Begin(User);
            var (result, messages) = await DecideCpdActivityEndpoint.Post(id, activityId, command, writer, clock, ct);
            problem = result is ProblemHttpResult p ? p.ProblemDetails : await write.Commit(messages, ct) ?? WolverineContinue.NoProblems;
        }
        if (WebRead.Allowed(problem)) return RedirectToPage(new { id, done = $"The activity is {decision}." });
        Errors = WebWrite.Errors(problem);
        FailedActivity = activityId;
        Response.StatusCode = problem.Status ?? StatusCodes.Status400BadRequest;
        return await Show(id, ct);
    }

    public async Task<IActionResult> OnPostConcludeAsync(Guid id, CancellationToken ct)
    {
        write.Begin(User);
        var (result, messages) = await ConcludeCpdAuditEndpoint.Post(id, writer, clock, ct);
        var problem = result is ProblemHttpResult p ? p.ProblemDetails : await write.Commit(messages, ct);
        if (problem is null) return RedirectToPage(new { id, done = "The audit is concluded." });
        Errors = WebWrite.Errors(problem);
        Response.StatusCode = problem.Status ?? StatusCodes.Status400BadRequest;
        return await Show(id, ct);
    }

    private async Task<IActionResult> Show(Guid id, CancellationToken ct)
    {
        var audit = WebRead.Value<CpdAudit>(await GetCpdAuditEndpoint.Get(id, session, ct));
        if (audit is null) return NotFound();
        Audit = audit;
        PractitionerName = (await session.LoadAsync<PmoLedger.Features.Practitioners.PractitionerProfile>(audit.PractitionerId, ct))?.FullName
                           ?? audit.PractitionerId.ToString();
        var ledger = await session.LoadAsync<PmoLedger.Features.Practitioners.Practitioner>(audit.PractitionerId, ct);
        Titles = ledger?.Cpd.ToDictionary(e => e.Id, e => $"{e.Title} ({e.OccurredOn:yyyy-MM-dd}, {e.Points:0.#} points of {e.Category.Wire()})")
                 ?? new Dictionary<Guid, string>();
        return Page();
    }

    public string TitleOf(Guid activity) => Titles.TryGetValue(activity, out var title) ? title : activity.ToString();

    public string? ErrorOf(Guid? activity, string field) =>
        FailedActivity == activity && Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;
}
