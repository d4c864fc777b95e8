using System.Text.Json.Nodes;
using JasperFx.Events.Projections;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace PmoLedger.Features.Xapi;

/// <summary>The learning record store under /xapi: its wiring, version negotiation and the about resource.</summary>
public static class Lrs
{
    public const string VersionHeader = "X-Experience-API-Version";
    public const string Policy = "xapi";
    public static readonly string[] Versions = ["2.0.0", "1.0.3"];
    private const string VersionItem = "xapi-version";

    public static IServiceCollection AddXapi(this IServiceCollection services)
    {
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, LrsBasicAuthentication>(LrsBasicAuthentication.SchemeName, _ => { });
        services.AddAuthorization(o => o.AddPolicy(Policy, p => p
            .AddAuthenticationSchemes(LrsBasicAuthentication.SchemeName, JwtBearerDefaults.AuthenticationScheme)
            .RequireAuthenticatedUser()));
        services.AddScoped<StatementStore>();
        services.AddSingleton<SpokenVersions>();
        return services;
    }

    /// <summary>
    /// The alternate request syntax: after the exception handler and the body limit (an oversized or broken form gets
    /// its 413 or 400 problem like any other body), before authentication (which reads the Authorization field the form
    /// carries) and before routing (which must see the method and parameters the form stands for).
    /// </summary>
    public static IApplicationBuilder UseXapiAlternateSyntax(this IApplicationBuilder app) => app.UseMiddleware<AlternateRequestSyntax>();

    /// <summary>The store's part of the Marten configuration (called from LedgerStore).</summary>
    public static void Configure(StoreOptions opts, KeyRing keys)
    {
        opts.Projections.Add(new XapiStatementProjection(keys), ProjectionLifecycle.Inline);
        opts.Projections.Add(new PractitionerMboxHashProjection(keys), ProjectionLifecycle.Inline);
        opts.Schema.For<XapiStatement>()
            // As when each statement was a stream of its own (mt_version was its stream version, a number): a database
            // from then keeps its column, which cannot be cast to the uuid a plain document's version would be.
            .UseNumericRevisions(true)
            .Duplicate(x => x.ProviderId)
            .Duplicate(x => x.Stored)
            .Duplicate(x => x.Verb)
            .Duplicate(x => x.Activity!)
            .Duplicate(x => x.Registration!)
            .Duplicate(x => x.ActorKeyId)
            // Only the arrays the agent and related_* filters test (StatementIndex.AgentsContain and the rest).
            .GinIndexJsonDataMember(x => x.Agents)
            .GinIndexJsonDataMember(x => x.RelatedAgents)
            .GinIndexJsonDataMember(x => x.RelatedActivities);
        opts.Schema.For<LrsCredential>().Index(x => x.ProviderId);
        opts.Schema.For<XapiDocument>().Duplicate(x => x.ProviderId).Duplicate(x => x.ActivityId!).Duplicate(x => x.AgentKey!);
        opts.Schema.For<PractitionerMboxHash>();
        opts.Schema.For<XapiActorKey>();
        opts.Schema.For<XapiAttachment>();
    }

    public static WebApplication MapXapi(this WebApplication app)
    {
        app.MapGet("/xapi/about", (HttpContext http) =>
        {
            http.Response.Headers[VersionHeader] = Versions[0];
            return Results.Json(new { version = Versions });
        }).AllowAnonymous().ExcludeFromDescription();

        var lrs = app.MapGroup("/xapi").RequireAuthorization(Policy).ExcludeFromDescription()
            .AddEndpointFilter(async (context, next) => Negotiate(context.HttpContext) is { } refused ? refused : await next(context));
        XapiStatementsEndpoints.Map(lrs);
        XapiDocumentsEndpoints.Map(lrs);
        XapiActivitiesAndAgentsEndpoints.Map(lrs);
        return app;
    }

    /// <summary>Every LRS request but about names the xAPI version it speaks; the answer names the one served.</summary>
    private static IResult? Negotiate(HttpContext http)
    {
        var asked = http.Request.Headers[VersionHeader].ToString().Trim();
        var served = asked switch
        {
            "2.0" => "2.0.0",
            _ when asked.StartsWith("2.0.", StringComparison.Ordinal) && int.TryParse(asked[4..], out _) => "2.0.0",
            "1.0" => "1.0.3",
            _ when asked.StartsWith("1.0.", StringComparison.Ordinal) && int.TryParse(asked[4..], out _) => "1.0.3",
            _ => null
        };
        // A request without a usable version is refused in the version that client last spoke (else the
        // oldest served), so a client that forgot the header can still read the answer.
        var spoken = http.RequestServices.GetRequiredService<SpokenVersions>();
        var key = http.User.FindFirstValue(LrsBasicAuthentication.KeyClaim) ?? http.User.Identity?.Name ?? "";
        if (served is not null) spoken.Remember(key, served);
        http.Response.Headers[VersionHeader] = served ?? spoken.Last(key) ?? Versions[^1];
        if (served is null)
            return Error(StatusCodes.Status400BadRequest, asked.Length == 0
                ? $"The {VersionHeader} header is required (2.0.0 or 1.0.3)."
                : $"xAPI version '{asked}' is not supported; use 2.0.0 or 1.0.3.");
        http.Items[VersionItem] = served;
        return null;
    }

    public static string VersionOf(HttpContext http) => http.Items[VersionItem] as string ?? Versions[0];

    /// <summary>The service's own base URL: the authority's and practitioners' account homePage.</summary>
    public static string BaseUrl(HttpRequest request) =>
        request.HttpContext.RequestServices.GetRequiredService<IConfiguration>()["Xapi:BaseUrl"]?.TrimEnd('/')
        ?? $"{request.Scheme}://{request.Host}{request.PathBase}".TrimEnd('/');

    public static IResult Error(int status, string detail) => Results.Problem(new ProblemDetails
    {
        Status = status,
        Title = status switch { 400 => "Bad request", 403 => "Forbidden", 404 => "Not found", 409 => "Conflict", 412 => "Precondition failed", _ => "Error" },
        Detail = detail
    });

    public static IResult JsonText(JsonNode node, int status = StatusCodes.Status200OK) =>
        Results.Text(node.ToJsonString(), "application/json", System.Text.Encoding.UTF8, status);
}

/// <summary>The xAPI version each credential last spoke, on this node.</summary>
public sealed class SpokenVersions
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _last = new();

    public void Remember(string credential, string version) => _last[credential] = version;

    public string? Last(string credential) => _last.TryGetValue(credential, out var version) ? version : null;
}
