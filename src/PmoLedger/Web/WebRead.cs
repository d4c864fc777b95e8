namespace PmoLedger.Web;

/// <summary>
/// Pages answer through the API's own endpoint methods and authorisation rules, then render what
/// those return: one copy of every query and every decision.
/// </summary>
public static class WebRead
{
    public static bool Allowed(ProblemDetails decision) => ReferenceEquals(decision, WolverineContinue.NoProblems);

    /// <summary>The value an endpoint answered with, or null when it answered with a problem (e.g. 404).</summary>
    public static T? Value<T>(IResult result) where T : class => result is IValueHttpResult { Value: T value } ? value : null;

    /// <summary>Only the practitioner themselves: staff have no /me pages.</summary>
    public static Guid? Me(ClaimsPrincipal user) => user.IsInRole(Roles.Practitioner) ? user.PractitionerId() : null;
}

/// <summary>Pages for a signed-in browser session with the given roles.</summary>
public sealed class WebAuthorizeAttribute : AuthorizeAttribute
{
    public WebAuthorizeAttribute(string roles)
    {
        AuthenticationSchemes = Account.Scheme;
        Roles = roles;
    }
}

/// <summary>An API endpoint's answer sent from a page as it is, so a page serves the same bytes as the route.</summary>
public sealed class EndpointResult(IResult result) : IActionResult
{
    public Task ExecuteResultAsync(ActionContext context) => result.ExecuteAsync(context.HttpContext);
}
