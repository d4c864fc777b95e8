using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace PmoLedger.Web.Pages;

public sealed class SignOutModel : PageModel
{
    public void OnGet() { }

    /// <summary>Removes the session from the server (see MartenTicketStore), not only the cookie from this browser.</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(Account.Scheme);
        return RedirectToPage();
    }
}
