using Microsoft.AspNetCore.Mvc.RazorPages;

namespace PmoLedger.Web.Pages;

/// <summary>The page behind every error status of the web application (re-executed by the status code pages).</summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public string Heading { get; private set; } = "";
    public string Message { get; private set; } = "";

    public void OnGet(int code) => Describe(code);
    public void OnPost(int code) => Describe(code);

    private void Describe(int code)
    {
        (Heading, Message) = code switch
        {
            403 => ("You may not see this page", "This page belongs to someone else, or your role does not include it."),
            404 => ("Page not found", "There is nothing at this address. Check the link, or start again from the home page."),
            400 => ("That request could not be read", "The form may have expired. Go back, reload the page and try again."),
            _ => ("Something went wrong", $"The request failed with status {code}. Nothing was recorded.")
        };
        // Keep the original status: the page is the body of the error, not a success.
        Response.StatusCode = code is >= 400 and < 600 ? code : 404;
    }
}
