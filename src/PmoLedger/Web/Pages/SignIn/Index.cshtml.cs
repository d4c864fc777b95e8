using Microsoft.AspNetCore.Mvc.RazorPages;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Web.Pages.SignIn;

public sealed record SignInForm(string? Email = null, string? Error = null);

/// <summary>Asking for a link. Known and unknown addresses get the same answer, so the form reveals no accounts.</summary>
public sealed class SignInModel(IDocumentSession session, KeyRing keys, TimeProvider clock, Mailer mailer, SignInLimiter limiter, WebSettings web) : PageModel
{
    public SignInForm Form { get; private set; } = new();
    public bool Sent { get; private set; }
    public bool TooMany { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(string? email, CancellationToken ct)
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

        var secret = await SignInLinks.CreateAsync(session, keys, email, clock.GetUtcNow(), ct);
        if (secret is not null)
        {
            await mailer.SendAsync(email, "Your PmoLedger sign-in link", SignInMail.Text(SignInLinks.Url(web.BaseUrl(Request), secret)), ct);
        }
        Sent = true;
        return Page();
    }
}
