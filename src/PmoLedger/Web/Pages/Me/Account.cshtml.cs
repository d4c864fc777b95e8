using Microsoft.AspNetCore.Mvc.RazorPages;
using PmoLedger.Features.Credentials;
using PmoLedger.Features.Notifications;
using PmoLedger.Features.Practitioners;
using PmoLedger.Features.Privacy;

namespace PmoLedger.Web.Pages.Me;

/// <summary>What the ledger holds to identify the practitioner, and their data to take away (the export route's own document).</summary>
[WebAuthorize(Roles.Practitioner)]
public sealed class AccountModel(IDocumentSession session, WebWrite write, KeyRing keys, TimeProvider clock, CredentialSettings credentials) : PageModel
{
    public ProfileView Profile { get; private set; } = null!;
    public string? Done { get; private set; }
    public IDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();
    public string? FullName { get; private set; }
    public string? Email { get; private set; }
    public IReadOnlyList<CredentialItem> Credentials { get; private set; } = [];
    public bool NewBadge { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? done, CancellationToken ct)
    {
        if (WebRead.Me(User) is not { } id || !WebRead.Allowed(ExportPersonalDataEndpoint.Before(User, id))) return StatusCode(403);
        Done = done;
        return await Show(id, ct);
    }

    /// <summary>
    /// Correcting a mistyped name or email: the PATCH route's own validation, conflict check and decision (which also
    /// moves the email index), committed for the session as the route would.
    /// </summary>
    public async Task<IActionResult> OnPostDetailsAsync(string? fullName, string? email, CancellationToken ct)
    {
        if (WebRead.Me(User) is not { } id || !WebRead.Allowed(CorrectDetailsEndpoint.Before(User, id))) return StatusCode(403);
        // A field left blank is one the person did not mean to change, as a field left out of the PATCH body is.
        var command = new CorrectDetails(string.IsNullOrWhiteSpace(fullName) ? null : fullName, string.IsNullOrWhiteSpace(email) ? null : email);
        var outcome = CorrectDetailsEndpoint.Validate(command);
        if (WebRead.Allowed(outcome)) outcome = await CorrectDetailsEndpoint.ValidateAsync(command, id, session, keys, ct);
        if (WebRead.Allowed(outcome))
            outcome = await write.OnPractitioner(User, id, _ => WolverineContinue.NoProblems,
                practitioner => (CorrectDetailsEndpoint.Patch(command, practitioner, User, session, keys, clock), new OutgoingMessages()), ct);
        if (WebRead.Allowed(outcome)) return RedirectToPage(new { done = "Your details are corrected." });
        (FullName, Email) = (fullName, email);
        Errors = WebWrite.Errors(outcome);
        Response.StatusCode = outcome.Status ?? StatusCodes.Status400BadRequest;
        return await Show(id, ct);
    }

    /// <summary>Turns the optional notices on or off; recorded on the person's stream only when the setting changes.</summary>
    public async Task<IActionResult> OnPostNoticesAsync(bool newBadge, CancellationToken ct)
    {
        if (WebRead.Me(User) is not { } id || !WebRead.Allowed(ExportPersonalDataEndpoint.Before(User, id))) return StatusCode(403);
        var outcome = await write.OnPractitioner(User, id, _ => WolverineContinue.NoProblems,
            practitioner => (NoticePreferences.Decide(practitioner, BadgeNotices.Kind, newBadge, clock.GetUtcNow()), new OutgoingMessages()), ct);
        if (WebRead.Allowed(outcome))
            return RedirectToPage(new { done = newBadge ? "You will get an email for each new badge." : "You will get no more emails about new badges." });
        Errors = WebWrite.Errors(outcome);
        Response.StatusCode = outcome.Status ?? StatusCodes.Status400BadRequest;
        return await Show(id, ct);
    }

    public string? ErrorOf(string field) => Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    private async Task<IActionResult> Show(Guid id, CancellationToken ct)
    {
        var profile = await session.LoadAsync<PractitionerProfile>(id, ct);
        if (profile is null) return NotFound();
        Profile = ProfileView.From(profile, clock.Today());
        Credentials = await GetCredentialsEndpoint.List(session, id, credentials, clock.Today(), ct);
        var practitioner = await session.Events.FetchLatest<Practitioner>(id, ct);
        NewBadge = practitioner?.StoppedNotices.Contains(BadgeNotices.Kind) != true;
        return Page();
    }

    /// <summary>
    /// The subject-access document exactly as <c>GET /api/practitioners/{id}/export</c> answers it (same method, same
    /// JSON, same file name); the API itself takes bearer tokens only, so the page serves it for the session.
    /// </summary>
    public async Task<IActionResult> OnGetExportAsync(CancellationToken ct)
    {
        if (WebRead.Me(User) is not { } id || !WebRead.Allowed(ExportPersonalDataEndpoint.Before(User, id))) return StatusCode(403);
        return new EndpointResult(await ExportPersonalDataEndpoint.Get(id, session, clock, credentials, HttpContext, ct));
    }
}
