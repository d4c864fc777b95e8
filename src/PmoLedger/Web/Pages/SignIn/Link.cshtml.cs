using JasperFx;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace PmoLedger.Web.Pages.SignIn;

/// <summary>
/// Opening the link shows a button rather than signing in at once: mail scanners that fetch links
/// would otherwise use up the one-time link before the person clicks it.
/// </summary>
public sealed class SignInLinkModel(IDocumentSession session, TimeProvider clock) : PageModel
{
    public Redemption? Outcome { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(string secret, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var link = await session.LoadAsync<SignInLink>(SignInLinks.Hash(secret), ct);
        var outcome = SignInLinks.Decide(link, now);
        var account = outcome == Redemption.SignedIn ? await Account.FindAsync(session, link!.AccountKey, ct) : null;
        if (account is null)
        {
            Outcome = outcome == Redemption.SignedIn ? Redemption.Unknown : outcome;
            Response.StatusCode = StatusCodes.Status410Gone;
            return Page();
        }

        link!.UsedAt = now;
        session.Store(link);
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (ConcurrencyException)
        {
            // Another click on the same link won the race: this one is a second use.
            Outcome = Redemption.Used;
            Response.StatusCode = StatusCodes.Status410Gone;
            return Page();
        }

        await HttpContext.SignInAsync(Account.Scheme, account.Principal(), new AuthenticationProperties { IsPersistent = false });
        return Redirect(account.PractitionerId is not null ? "/me" : account.Staff?.Role switch
        {
            Roles.Auditor => "/audit",
            Roles.Admin => "/admin",
            Roles.Provider => "/provider",
            _ => "/"
        });
    }
}
