using Microsoft.AspNetCore.Mvc.RazorPages;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Web.Pages.Me;

public sealed class RoleForm
{
    public string? Title { get; set; }
    public string? RoleFamily { get; set; }
    public string? Specialism { get; set; }
    public string? EmploymentType { get; set; }
    public string? Organisation { get; set; }
    public string? Industry { get; set; }
    public string? OfficeType { get; set; }
    public string? StartedOn { get; set; }
    public bool Concurrent { get; set; }
}

/// <summary>Recording and ending roles through the API's ChangeRole and EndRole code.</summary>
[WebAuthorize(Roles.Practitioner)]
public sealed class RolesModel(IQuerySession session, WebWrite write, TimeProvider clock) : PageModel
{
    public IReadOnlyList<RoleRecord> Held { get; private set; } = [];
    public DateOnly Today { get; private set; }

    [BindProperty]
    public RoleForm Form { get; set; } = new();

    public string? FormWithErrors { get; private set; }
    public IDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();
    public Guid? EndingRole { get; private set; }
    public string? Done { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? done, CancellationToken ct)
    {
        if (WebRead.Me(User) is not { } id || !WebRead.Allowed(ChangeRoleEndpoint.Before(User, id))) return StatusCode(403);
        Done = done;
        return await Show(id, ct);
    }

    public async Task<IActionResult> OnPostStartAsync(CancellationToken ct)
    {
        if (WebRead.Me(User) is not { } id || !WebRead.Allowed(ChangeRoleEndpoint.Before(User, id))) return StatusCode(403);
        var unreadable = new Problems();
        var command = new ChangeRole(Form.Title, Blank(Form.RoleFamily), Blank(Form.Specialism), Blank(Form.EmploymentType), Form.Organisation,
            Form.Industry, Blank(Form.OfficeType), WebWrite.ReadDate(Form.StartedOn, "startedOn", unreadable), Form.Concurrent);
        var outcome = unreadable.Any ? unreadable.ToProblem() : await write.OnPractitioner(User, id,
            practitioner => ChangeRoleEndpoint.Validate(command, practitioner, clock),
            practitioner => ChangeRoleEndpoint.Post(command, practitioner, clock), ct);
        if (WebRead.Allowed(outcome)) return RedirectToPage(new { done = $"{Form.Title!.Trim()} is recorded." });
        return await Failed("start", outcome, id, ct);
    }

    public async Task<IActionResult> OnPostEndAsync(Guid roleId, string? endedOn, CancellationToken ct)
    {
        if (WebRead.Me(User) is not { } id || !WebRead.Allowed(EndRoleEndpoint.Before(User, id))) return StatusCode(403);
        var unreadable = new Problems();
        var command = new EndRole(WebWrite.ReadDate(endedOn, "endedOn", unreadable), roleId);
        var outcome = unreadable.Any ? unreadable.ToProblem() : await write.OnPractitioner(User, id,
            practitioner => EndRoleEndpoint.Validate(command, practitioner, clock),
            practitioner => EndRoleEndpoint.Post(command, practitioner, clock), ct);
        if (WebRead.Allowed(outcome)) return RedirectToPage(new { done = "The role is ended." });
        EndingRole = roleId;
        return await Failed("end", outcome, id, ct);
    }

    private async Task<IActionResult> Failed(string form, ProblemDetails problem, Guid id, CancellationToken ct)
    {
        FormWithErrors = form;
        Errors = WebWrite.Errors(problem);
        Response.StatusCode = problem.Status ?? StatusCodes.Status400BadRequest;
        return await Show(id, ct);
    }

    private async Task<IActionResult> Show(Guid id, CancellationToken ct)
    {
        Today = clock.Today();
        var profile = await session.LoadAsync<PractitionerProfile>(id, ct);
        if (profile is null) return NotFound();
        Held = profile.Roles.OrderByDescending(r => r.StartedOn).ToList();
        return Page();
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    public string? ErrorOf(string form, string field) =>
        FormWithErrors == form && Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;
}
