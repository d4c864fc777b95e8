using Microsoft.AspNetCore.Mvc.RazorPages;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Web.Pages.SignIn;

public sealed record SignInForm(string? Email = null, string? Error = null);

/// <summary>
/// Asking for a link. Known and unknown addresses get the same answer at the same speed (the link is made and mailed
/// after the answer, <see cref="SignInRequests"/>), so the form reveals no accounts.
/// </summary>
public sealed class SignInModel(SignInRequests requests, SignInLimiter limiter, WebSettings web) : PageModel
{
    public SignInForm Form { get; private set; } = new();
    public bool Sent { get; private set; }
    public bool TooMany { get; private set; }

    public void OnGet() { }

    public IActionResult OnPost(string? email)
    {
        email = email?.Trim();
        if (string.IsNullOrEmpty(email) || email.Length > 254 || !CorrectDetailsEndpoint.IsEmail(email))
        {
            Form = new SignInForm(email, "Enter your email address, like name@example.org.");
            return Page();
        }
        Form = new SignInForm(email);
        if (!limiter.TryAcquire(email, HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown"))
        {
            TooMany = true;
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }

        requests.Enqueue(email, web.BaseUrl(Request));
        Sent = true;
        return Page();
    }
}
