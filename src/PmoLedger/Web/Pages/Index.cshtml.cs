using Microsoft.AspNetCore.Mvc.RazorPages;

namespace PmoLedger.Web.Pages;

public sealed class IndexModel : PageModel
{
    public bool SignInRequired { get; private set; }

    public void OnGet(string? signin) => SignInRequired = signin == "required";
}
