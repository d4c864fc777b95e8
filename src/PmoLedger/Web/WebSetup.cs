using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
using PmoLedger.Features.Providers;

namespace PmoLedger.Web;

/// <summary>Web settings (section "Web").</summary>
public sealed class WebSettings
{
    /// <summary>The address sign-in links point at; without it, the address the request came to.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>Sign-in link requests allowed per address and per client IP in each window.</summary>
    public int SignInPerAddress { get; set; } = 5;
    public int SignInPerClient { get; set; } = 5;
    public TimeSpan SignInWindow { get; set; } = TimeSpan.FromMinutes(15);

    public static WebSettings From(IConfiguration configuration) => configuration.GetSection("Web").Get<WebSettings>() ?? new();

    public string BaseUrl(HttpRequest request) => PublicUrl ?? $"{request.Scheme}://{request.Host}";

    /// <summary>
    /// The address in mail sent outside a request (notices, staff invitations), which has no request to take it from:
    /// without PublicUrl, the address ./run.sh serves on.
    /// </summary>
    public string MailBaseUrl => PublicUrl ?? "http://127.0.0.1:5080";
}

/// <summary>
/// Limits sign-in link requests per address and per client, so the form can neither flood an inbox
/// nor be used to probe many addresses. Counted in this process (see docs/web.md).
/// </summary>
public sealed class SignInLimiter(WebSettings settings) : IDisposable
{
    private readonly PartitionedRateLimiter<(string Address, string Client)> _limiter = PartitionedRateLimiter.CreateChained(
        PartitionedRateLimiter.Create<(string Address, string Client), string>(key => Window("a:" + key.Address, settings.SignInPerAddress, settings.SignInWindow)),
        PartitionedRateLimiter.Create<(string Address, string Client), string>(key => Window("c:" + key.Client, settings.SignInPerClient, settings.SignInWindow)));

    private static RateLimitPartition<string> Window(string key, int permits, TimeSpan window) =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = window, QueueLimit = 0 });

    public bool TryAcquire(string address, string client)
    {
        using var lease = _limiter.AttemptAcquire((address.Trim().ToLowerInvariant(), client));
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}

/// <summary>
/// Error pages, written directly rather than re-executed: a re-executed request would need routing
/// again, which a branch of the pipeline cannot reach. No stack trace, ever; a correlation id to quote.
/// </summary>
public static class ErrorPage
{
    public static (string Heading, string Message) Describe(int status) => status switch
    {
        403 => ("You may not see this page", "This page belongs to someone else, or your role does not include it."),
        404 => ("Page not found", "There is nothing at this address. Check the link, or start again from the home page."),
        400 => ("That request could not be read", "The form may have expired. Go back, reload the page and try again."),
        503 => ("The ledger is briefly unavailable", "Its database cannot be reached just now. Please try again in a few seconds."),
        _ => ("Something went wrong", "Nothing was recorded. Please try again; if it keeps happening, quote the reference below.")
    };

    public static async Task WriteAsync(HttpContext context, int status)
    {
        var (heading, message) = Describe(status);
        var reference = System.Net.WebUtility.HtmlEncode(context.Items[Correlation.ItemKey] as string ?? context.TraceIdentifier);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync($"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{heading} · PmoLedger</title><link rel="stylesheet" href="/web/site.css"></head>
            <body><header class="site"><a class="brand" href="/">PmoLedger</a></header>
            <main id="main" class="page"><h1>{heading}</h1><p>{message}</p>
            <p class="muted">Reference: <code>{reference}</code></p><p><a href="/">Back to the start</a></p></main></body></html>
            """);
    }
}

/// <summary>A failure on a page gets the error page; the API's failures stay problem+json.</summary>
public sealed class WebExceptionHandler(ILogger<WebExceptionHandler> logger, IConfiguration configuration) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (!WebSetup.IsPage(context.Request.Path)) return false;
        if (DatabaseOutage.Is(exception))
        {
            LedgerExceptionHandler.Unavailable(context, exception,
                configuration.GetValue("Api:RetryAfterSeconds", DatabaseOutage.DefaultRetryAfterSeconds), logger);
            await ErrorPage.WriteAsync(context, StatusCodes.Status503ServiceUnavailable);
            return true;
        }
        logger.LogError(exception, "Unhandled failure on page {Path}", LogRedaction.RedactPath(context.Request.Path));
        await ErrorPage.WriteAsync(context, StatusCodes.Status500InternalServerError);
        return true;
    }
}

public static class WebSetup
{
    private static readonly string[] ApiPrefixes = ["/api", "/xapi", "/docs", "/openapi", "/health", "/scalar"];

    /// <summary>Everything that is not the JSON API, its reference or the health check is the web application.</summary>
    public static bool IsPage(PathString path) => !ApiPrefixes.Any(p => path.StartsWithSegments(p));

    public static IServiceCollection AddLedgerWeb(this IServiceCollection services, IConfiguration configuration)
    {
        var web = WebSettings.From(configuration);
        services.AddSingleton(web);
        services.AddSingleton(MailSettings.From(configuration));
        services.AddSingleton<Mailer>();
        services.AddSingleton<SignInLimiter>();
        services.AddSingleton<SignInRequests>();
        services.AddHostedService(provider => provider.GetRequiredService<SignInRequests>());
        services.AddScoped<WebWrite>();
        services.AddExceptionHandler<WebExceptionHandler>();
        services.AddHostedService<DemoStaffOnFirstStart>();

        services.ConfigureMarten(opts =>
        {
            opts.Schema.For<StaffMember>();
            opts.Schema.For<SignInLink>().UseOptimisticConcurrency(true);
            opts.Schema.For<WebSession>();
        });

        services.AddRazorPages(o =>
        {
            o.RootDirectory = "/Web/Pages";
        });

        // Beside the API's schemes, used only by the pages: the API never reads the cookie.
        services.AddAuthentication().AddCookie(Account.Scheme, o =>
        {
            o.Cookie.Name = "pmoledger.session";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
            o.LoginPath = "/";
            o.Events.OnRedirectToLogin = context =>
            {
                context.Response.Redirect("/?signin=required");
                return Task.CompletedTask;
            };
            // A page the person may not see is a 403 page, not a redirect somewhere else.
            o.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });
        services.AddOptions<CookieAuthenticationOptions>(Account.Scheme)
            .Configure<IDocumentStore, TimeProvider>((o, store, clock) => o.SessionStore = new MartenTicketStore(store, clock));
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "pmoledger.antiforgery";
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        return services;
    }

    /// <summary>Security headers, assets and friendly error pages for the web application; the API keeps problem+json.</summary>
    public static IApplicationBuilder UseLedgerWeb(this IApplicationBuilder app)
    {
        app.UseWhen(context => IsPage(context.Request.Path), web =>
        {
            web.Use(async (context, next) =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy =
                    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                await next(context);
            });
            web.UseStatusCodePages(context => ErrorPage.WriteAsync(context.HttpContext, context.HttpContext.Response.StatusCode));
            web.UseStaticFiles();
            // The signed-in person on every page, before antiforgery checks the form against them. Only pages
            // read the cookie: the API keeps to its bearer tokens and keys, so a cookie can never call it.
            web.Use(async (context, next) =>
            {
                if (context.User.Identity?.IsAuthenticated != true)
                {
                    var result = await context.AuthenticateAsync(Account.Scheme);
                    if (result.Succeeded) context.User = result.Principal;
                }
                await next(context);
            });
        });
        return app;
    }

    public static IEndpointRouteBuilder MapLedgerWeb(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapRazorPages();
        return endpoints;
    }
}

/// <summary>In Development, the first start on an empty database adds the demo staff (Demo:SeedOnStart).</summary>
public sealed class DemoStaffOnFirstStart(IDocumentStore store, KeyRing keys, TimeProvider clock, IConfiguration configuration) : BackgroundService
{
    public const string DemoProvider = "PMO Academy";

    public static readonly (string Email, string Name, string Role)[] Staff =
    [
        ("admin@example.org", "Sam Admin", Roles.Admin),
        ("auditor@example.org", "Robin Auditor", Roles.Auditor),
        ("coordinator@pmo-academy.example", "Casey Coordinator", Roles.Provider)
    ];

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        if (!configuration.GetValue("Demo:SeedOnStart", false)) return;
        await using var session = store.LightweightSession();
        if (await session.Query<StaffMember>().AnyAsync(ct)) return;

        // The provider user belongs to a demo provider, which the demo data loads alongside this service.
        Provider? provider = null;
        for (var attempt = 0; provider is null && attempt < 600; attempt++)
        {
            provider = await session.Query<Provider>().FirstOrDefaultAsync(p => p.Name == DemoProvider, ct);
            if (provider is null) await Task.Delay(100, ct);
        }
        foreach (var (email, name, role) in Staff)
        {
            if (role == Roles.Provider && provider is null) continue;
            session.Store(StaffAccounts.New(keys, email, name, role, role == Roles.Provider ? provider!.Id : null, clock.GetUtcNow(), "demo-seed"));
        }
        await session.SaveChangesAsync(ct);
    }
}
