using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.Extensions.Options;

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

/// <summary>The signed-in person on every page, including the pages anyone may see (API routes never read the cookie).</summary>
public sealed class BrowserSessionFilter : IAsyncPageFilter
{
    public async Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context)
    {
        var http = context.HttpContext;
        if (http.User.Identity?.IsAuthenticated == true) return;
        var result = await http.AuthenticateAsync(Account.Scheme);
        if (result.Succeeded) http.User = result.Principal;
    }

    public Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next) => next();
}

/// <summary>A failure on a page: a page with the correlation id to quote, never a stack trace.</summary>
public sealed class WebExceptionHandler(ILogger<WebExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (!WebSetup.IsPage(context.Request.Path)) return false;
        logger.LogError(exception, "Unhandled failure on page {Path}", context.Request.Path);
        var correlation = context.Items[Correlation.ItemKey] as string ?? context.TraceIdentifier;
        context.Response.StatusCode = 500;
        context.Response.ContentType = "text/html; charset=utf-8";
        var id = System.Net.WebUtility.HtmlEncode(correlation);
        await context.Response.WriteAsync($"""
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Something went wrong · PmoLedger</title><link rel="stylesheet" href="/web/site.css"></head>
            <body><main id="main" class="page"><h1>Something went wrong</h1>
            <p>Nothing you entered was recorded. Please try again; if it keeps happening, quote this reference: <code>{id}</code>.</p>
            <p><a href="/">Back to the start</a></p></main></body></html>
            """, ct);
        return true;
    }
}

public static class WebSetup
{
    private static readonly string[] ApiPrefixes = ["/api", "/docs", "/openapi", "/health", "/scalar"];

    /// <summary>Everything that is not the JSON API, its reference or the health check is the web application.</summary>
    public static bool IsPage(PathString path) => !ApiPrefixes.Any(p => path.StartsWithSegments(p));

    public static IServiceCollection AddLedgerWeb(this IServiceCollection services, IConfiguration configuration)
    {
        var web = WebSettings.From(configuration);
        services.AddSingleton(web);
        services.AddSingleton(MailSettings.From(configuration));
        services.AddSingleton<Mailer>();
        services.AddSingleton<SignInLimiter>();
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
            o.Conventions.ConfigureFilter(new BrowserSessionFilter());
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
            web.UseStatusCodePagesWithReExecute("/error/{0}");
            web.UseStaticFiles();
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
public sealed class DemoStaffOnFirstStart(IDocumentStore store, TimeProvider clock, IConfiguration configuration) : BackgroundService
{
    public static readonly (string Email, string Name, string Role)[] Staff =
    [
        ("admin@example.org", "Sam Admin", Roles.Admin),
        ("auditor@example.org", "Robin Auditor", Roles.Auditor)
    ];

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        if (!configuration.GetValue("Demo:SeedOnStart", false)) return;
        await using var session = store.LightweightSession();
        if (await session.Query<StaffMember>().AnyAsync(ct)) return;
        foreach (var (email, name, role) in Staff)
            session.Store(StaffAccounts.New(email, name, role, null, clock.GetUtcNow(), "demo-seed"));
        await session.SaveChangesAsync(ct);
    }
}
