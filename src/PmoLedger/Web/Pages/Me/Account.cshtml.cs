using Microsoft.AspNetCore.Mvc.RazorPages;
using PmoLedger.Features.Practitioners;
using PmoLedger.Features.Privacy;

namespace PmoLedger.Web.Pages.Me;

/// <summary>What the ledger holds to identify the practitioner, and their data to take away (the export route's own document).</summary>
[WebAuthorize(Roles.Practitioner)]
public sealed class AccountModel(IQuerySession session, TimeProvider clock) : PageModel
{
    public ProfileView Profile { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (WebRead.Me(User) is not { } id || !WebRead.Allowed(ExportPersonalDataEndpoint.Before(User, id))) return StatusCode(403);
        var profile = await session.LoadAsync<PractitionerProfile>(id, ct);
        if (profile is null) return NotFound();
        Profile = ProfileView.From(profile, clock.Today());
        return Page();
    }

    /// <summary>
    /// The subject-access document exactly as <c>GET /api/practitioners/{id}/export</c> answers it (same method, same
    /// JSON, same file name); the API itself takes bearer tokens only, so the page serves it for the session.
    /// </summary>
    public async Task<IActionResult> OnGetExportAsync(CancellationToken ct)
    {
        if (WebRead.Me(User) is not { } id || !WebRead.Allowed(ExportPersonalDataEndpoint.Before(User, id))) return StatusCode(403);
        return new EndpointResult(await ExportPersonalDataEndpoint.Get(id, session, clock, HttpContext, ct));
    }
}
