using Microsoft.AspNetCore.Mvc.RazorPages;
using PmoLedger.Features.Plan;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Web.Pages.Me;

/// <summary>The development plan through the API's SetGoal and AchieveGoal code.</summary>
[WebAuthorize(Roles.Practitioner)]
public sealed class PlanModel(IQuerySession session, WebWrite write, TimeProvider clock) : PageModel
{
    public PlanView Plan { get; private set; } = null!;
    public IReadOnlyList<EvidenceView> Evidence { get; private set; } = [];
    public DateOnly Today { get; private set; }

    public string? FormWithErrors { get; private set; }
    public Guid? AchievingGoal { get; private set; }
    public IDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();
    public IReadOnlyDictionary<string, string?> Entered { get; private set; } = new Dictionary<string, string?>();
    public string? Done { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? done, CancellationToken ct)
    {
        if (WebRead.Me(User) is not { } id || !WebRead.Allowed(GetPlanEndpoint.Before(User, id))) return StatusCode(403);
        Done = done;
        return await Show(id, ct);
    }

    public async Task<IActionResult> OnPostSetAsync(string? dimension, string? description, string? targetRoleFamily, string? targetLevel,
        string? targetDate, CancellationToken ct)
    {
        if (WebRead.Me(User) is not { } id || !WebRead.Allowed(SetGoalEndpoint.Before(User, id))) return StatusCode(403);
        var unreadable = new Problems();
        var command = new SetGoal(dimension, description, Blank(targetRoleFamily), Blank(targetLevel), WebWrite.ReadDate(targetDate, "targetDate", unreadable));
        var validation = SetGoalEndpoint.Validate(command, clock);
        var outcome = unreadable.Any || !WebRead.Allowed(validation) ? new Problems().ToProblem() : await write.OnPractitioner(User, id, _ => validation,
            practitioner => ([SetGoalEndpoint.Post(command, practitioner, clock).Item2], []), ct);
        var errors = WebWrite.Merge(validation, unreadable);
        foreach (var (field, messages) in WebWrite.Errors(outcome)) errors[field] = messages;
        if (errors.Count == 0) return RedirectToPage(new { done = "The goal is on your plan." });

        FormWithErrors = "set";
        Errors = errors;
        Entered = new Dictionary<string, string?>
        {
            ["dimension"] = dimension, ["description"] = description, ["targetRoleFamily"] = targetRoleFamily,
            ["targetLevel"] = targetLevel, ["targetDate"] = targetDate
        };
        // The form's own errors are a 400; a refused write (e.g. a lost race, 409) keeps its status.
        Response.StatusCode = WebRead.Allowed(outcome) ? StatusCodes.Status400BadRequest : outcome.Status ?? StatusCodes.Status400BadRequest;
        return await Show(id, ct);
    }

    public async Task<IActionResult> OnPostAchieveAsync(Guid goalId, string? evidence, CancellationToken ct)
    {
        if (WebRead.Me(User) is not { } id || !WebRead.Allowed(AchieveGoalEndpoint.Before(User, id))) return StatusCode(403);
        // The choice arrives as "kind:id", one value per item of evidence on the person's own record.
        var parts = evidence?.Split(':', 2);
        var command = new AchieveGoal(parts is [var kind, var evidenceId] ? new EvidenceLink(kind, Guid.TryParse(evidenceId, out var e) ? e : null) : null);
        var outcome = await write.OnPractitioner(User, id, practitioner => AchieveGoalEndpoint.Validate(command, goalId, practitioner),
            practitioner => ([AchieveGoalEndpoint.Post(command, goalId, practitioner, clock)], []), ct);
        if (WebRead.Allowed(outcome)) return RedirectToPage(new { done = "The goal is marked achieved." });
        FormWithErrors = "achieve";
        AchievingGoal = goalId;
        Errors = WebWrite.Errors(outcome);
        Response.StatusCode = outcome.Status ?? StatusCodes.Status400BadRequest;
        return await Show(id, ct);
    }

    private async Task<IActionResult> Show(Guid id, CancellationToken ct)
    {
        Today = clock.Today();
        var plan = WebRead.Value<PlanView>(await GetPlanEndpoint.Get(id, session, clock, ct));
        if (plan is null) return NotFound();
        Plan = plan;
        Evidence = plan.Dimensions.Values.SelectMany(d => d.Evidence).DistinctBy(e => (e.Kind, e.Id)).OrderByDescending(e => e.OccurredOn).ToList();
        return Page();
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    public string? ErrorOf(string form, string field) =>
        FormWithErrors == form && Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    public string? ValueOf(string field) => Entered.GetValueOrDefault(field);
}
