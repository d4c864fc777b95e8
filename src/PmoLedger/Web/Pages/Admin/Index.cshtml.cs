using JasperFx;
using Microsoft.AspNetCore.Mvc.RazorPages;
using PmoLedger.Features.Practitioners;
using PmoLedger.Features.Providers;

namespace PmoLedger.Web.Pages.Admin;

/// <summary>Providers, staff and practitioners, each added through the API's own validation and decision.</summary>
[WebAuthorize(Roles.Admin)]
public sealed class IndexModel(IDocumentSession session, KeyRing keys, TimeProvider clock, Mailer mailer, WebSettings web) : PageModel
{
    public IReadOnlyList<Provider> Providers { get; private set; } = [];
    public IReadOnlyList<StaffMember> Staff { get; private set; } = [];
    public IReadOnlyList<PractitionerListing> Practitioners { get; private set; } = [];
    public string? Query { get; private set; }

    /// <summary>Which form the errors belong to, and the values to put back into it.</summary>
    public string? FormWithErrors { get; private set; }
    public IDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();
    public IReadOnlyDictionary<string, string?> Entered { get; private set; } = new Dictionary<string, string?>();

    public ProviderCreated? NewProvider { get; private set; }
    public string? Done { get; private set; }

    public Task OnGetAsync(string? q, string? done, CancellationToken ct)
    {
        Done = done;
        return Load(q, ct);
    }

    public async Task<IActionResult> OnPostProviderAsync(string? name, CancellationToken ct)
    {
        var command = new RegisterProvider(name);
        if (Failed("provider", RegisterProviderEndpoint.Validate(command), ("name", name))) return await Again(ct);
        var (created, start) = RegisterProviderEndpoint.Post(command, session);
        session.LastModifiedBy = User.Identity?.Name;
        start.Execute(session);
        await session.SaveChangesAsync(ct);
        // The key is shown on this answer only; a reload shows the list without it.
        NewProvider = created;
        await Load(null, ct);
        return Page();
    }

    /// <summary>The API's rotation: a new key, every earlier one revoked in the same transaction.</summary>
    public async Task<IActionResult> OnPostRotateAsync(Guid providerId, [FromServices] ProviderKeyCache cache, CancellationToken ct)
    {
        session.LastModifiedBy = User.Identity?.Name;
        var stream = await session.Events.FetchForWriting<PmoLedger.Features.Providers.Provider>(providerId, ct);
        if (stream.Aggregate is null) return NotFound();
        var (result, issued) = await RotateProviderKeyEndpoint.Post(stream.Aggregate, session, cache, ct);
        stream.AppendOne(issued);
        await session.SaveChangesAsync(ct);
        NewProvider = new ProviderCreated(providerId, stream.Aggregate.Name, WebRead.Value<ProviderKeyRotated>(result)!.ApiKey);
        Rotated = true;
        await Load(null, ct);
        return Page();
    }

    public bool Rotated { get; private set; }

    public async Task<IActionResult> OnPostStaffAsync(string? email, string? fullName, string? role, string? providerId, CancellationToken ct)
    {
        Guid? provider = Guid.TryParse(providerId, out var p) ? p : null;
        var command = new InviteStaff(email, fullName, role, provider);
        ProblemDetails problem;
        try
        {
            problem = await StaffAccounts.InviteAsync(session, keys, command, clock, mailer, web.BaseUrl(Request), User.Identity?.Name, ct);
        }
        catch (DocumentAlreadyExistsException)
        {
            problem = Problems.BadRequest("email", "This address already has a staff account.");
        }
        if (Failed("staff", problem, ("email", email), ("fullName", fullName), ("role", role), ("providerId", providerId))) return await Again(ct);
        // The address stays out of the redirect's URL, which browsers keep in their history.
        return RedirectToPage(new { done = $"Invited the new {role}; the invitation mail carries a sign-in link." });
    }

    public async Task<IActionResult> OnPostPractitionerAsync(string? fullName, string? email, CancellationToken ct)
    {
        var command = new RegisterPractitioner(fullName, email);
        if (Failed("practitioner", RegisterPractitionerEndpoint.Validate(command), ("fullName", fullName), ("email", email))) return await Again(ct);
        var (created, start) = RegisterPractitionerEndpoint.Post(command, session, keys, clock);
        session.LastModifiedBy = User.Identity?.Name;
        start.Execute(session);
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (DocumentAlreadyExistsException)
        {
            Failed("practitioner", Problems.BadRequest("email", "A practitioner with this email is already registered."), ("fullName", fullName), ("email", email));
            return await Again(ct);
        }
        // The name goes back only as the search (q, masked in the request log), not into the notice's URL.
        return RedirectToPage(new { done = $"Registered practitioner {created.Id}.", q = fullName!.Trim() });
    }

    private bool Failed(string form, ProblemDetails problem, params (string Field, string? Value)[] entered)
    {
        if (problem is not HttpValidationProblemDetails invalid) return false;
        FormWithErrors = form;
        Errors = invalid.Errors;
        Entered = entered.ToDictionary(e => e.Field, e => e.Value);
        return true;
    }

    private async Task<IActionResult> Again(CancellationToken ct)
    {
        Response.StatusCode = StatusCodes.Status400BadRequest;
        await Load(null, ct);
        return Page();
    }

    private async Task Load(string? q, CancellationToken ct)
    {
        Query = q?.Trim();
        Providers = await session.Query<Provider>().OrderBy(p => p.Name).ToListAsync(ct);
        Staff = await session.Query<StaffMember>().OrderBy(s => s.Email).ToListAsync(ct);
        Practitioners = (await WebSearch.Practitioners(session, Query, ct)).Items;
    }

    public string? ErrorOf(string form, string field) =>
        FormWithErrors == form && Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    public string? ValueOf(string form, string field) => FormWithErrors == form ? Entered.GetValueOrDefault(field) : null;
}
