using System.Net;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;
using MimeKit;
using Npgsql;
using PmoLedger.Features.Demo;
using PmoLedger.Infrastructure;
using PmoLedger.Web;
using Serilog.Core;
using Wolverine;

namespace PmoLedger.Tests.Web;

/// <summary>
/// The service for real — Kestrel on a free loopback port, its own PostgreSQL database loaded with the
/// Development demo data — and the Debian chromium driven by Playwright. test.sh installs chromium.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private sealed class Factory(TestClock clock, CapturedLog log, RaceBeforeCommit race) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder) => builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(clock);
            services.AddSingleton<ILogEventSink>(log);
            services.ConfigureMarten(opts =>
            {
                opts.Listeners.Add(log);
                opts.Listeners.Add(race);
            });
            services.RunWolverineInSoloMode();
            services.DisableAllExternalWolverineTransports();
        });
    }

    private Factory _factory = null!;
    private IPlaywright _playwright = null!;

    public TestClock Clock { get; } = new();

    /// <summary>The web service's whole log and every name and email registered in it (the demo data included), checked as AppFixture checks the API's.</summary>
    public CapturedLog Log { get; } = new();

    /// <summary>Makes the next commit on a chosen record lose a race (see <see cref="RaceBeforeCommit"/>).</summary>
    public RaceBeforeCommit Race { get; } = new();
    public string BaseUrl { get; private set; } = "";
    public string MailDirectory { get; } = Path.Combine(Path.GetTempPath(), $"pmoledger-web-tests-{Guid.NewGuid():N}");
    public IBrowser Browser { get; private set; } = null!;
    public IServiceProvider Services => _factory.Services;

    public async Task InitializeAsync()
    {
        var connection = await TestDatabases.Fresh("_web");
        Environment.SetEnvironmentVariable("ConnectionStrings__Ledger", connection);
        Environment.SetEnvironmentVariable("Demo__SeedOnStart", "true");
        Environment.SetEnvironmentVariable("Mail__PickupDirectory", MailDirectory);
        // Every test signs in from the same loopback address; the per-address limit stays as shipped.
        Environment.SetEnvironmentVariable("Web__SignInPerClient", "1000");
        Environment.SetEnvironmentVariable("Wolverine__ScheduledJobPollingTime", "00:00:00.500");
        Environment.SetEnvironmentVariable("Wolverine__DurabilityMode", "Solo");
        Environment.SetEnvironmentVariable("ASPNETCORE_ENVIRONMENT", "Development");
        TestDatabases.NoRateLimits();

        _factory = new Factory(Clock, Log, Race);
        _factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        BaseUrl = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Environment.SetEnvironmentVariable("Demo__SeedOnStart", "false");

        // The demo data is loaded by background services at start: wait for them, not for a time.
        foreach (var seeding in _factory.Services.GetServices<IHostedService>().OfType<BackgroundService>()
                     .Where(s => s is DemoDataOnFirstStart or DemoStaffOnFirstStart))
            await seeding.ExecuteTask!;

        // The machines running these tests are shared and often busy: patience, not sleeps.
        Assertions.SetDefaultExpectTimeout(20_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = Environment.UserName == "root" ? ["--no-sandbox", "--disable-dev-shm-usage"] : ["--disable-dev-shm-usage"]
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await _factory.DisposeAsync();
        if (Directory.Exists(MailDirectory)) Directory.Delete(MailDirectory, recursive: true);
        var leaks = Log.Leaks();
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "browser-log.txt"), Log.Text());
        // The demo data registers practitioners: a check that saw none would pass whatever the log held.
        if (Log.PersonalValues == 0) throw new InvalidOperationException("The browser tests' log check saw no registered practitioner.");
        if (leaks.Count > 0)
            throw new InvalidOperationException($"The log of the browser tests contains personal data of practitioners: {string.Join(", ", leaks.Take(5))}");
    }

    /// <summary>The link in the newest mail to <paramref name="address"/> in the pickup folder.</summary>
    public string LatestLinkFor(string address)
    {
        var newest = Directory.GetFiles(MailDirectory, "*.eml").Order()
            .Select(path => MimeMessage.Load(path))
            .Last(m => m.To.Mailboxes.Any(b => string.Equals(b.Address, address, StringComparison.OrdinalIgnoreCase)));
        return (newest.TextBody ?? "").Split('\n').Select(l => l.Trim()).Single(l => l.Contains("/signin/", StringComparison.Ordinal));
    }

    /// <summary>
    /// The link of the next mail to <paramref name="address"/>, once more than <paramref name="before"/> mails have reached
    /// it: links are mailed after the sign-in page has answered.
    /// </summary>
    public async Task<string> NextLinkFor(string address, int before)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (MailsTo(address) <= before) await Task.Delay(50, timeout.Token);
        return LatestLinkFor(address);
    }

    public int MailsTo(string address) => !Directory.Exists(MailDirectory) ? 0 : Directory.GetFiles(MailDirectory, "*.eml")
        .Count(path => MimeMessage.Load(path).To.Mailboxes.Any(b => string.Equals(b.Address, address, StringComparison.OrdinalIgnoreCase)));

    public async Task<Guid> PractitionerIdOf(string email)
    {
        await using var session = Services.GetRequiredService<IDocumentStore>().QuerySession();
        var claim = await session.LoadAsync<PmoLedger.Features.Practitioners.PractitionerEmail>(
            Services.GetRequiredService<KeyRing>().EmailLookupKey(email));
        return claim!.PractitionerId;
    }

    /// <summary>
    /// Where the page checks save their screenshots: docs/screenshots when PMOLEDGER_UPDATE_SCREENSHOTS=1
    /// (to refresh the committed ones), a temporary folder otherwise, so a test run leaves the work tree clean.
    /// </summary>
    public static string Screenshots
    {
        get
        {
            if (Environment.GetEnvironmentVariable("PMOLEDGER_UPDATE_SCREENSHOTS") != "1")
                return Path.Combine(Path.GetTempPath(), "pmoledger-screenshots");
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PmoLedger.sln"))) dir = dir.Parent;
            return Path.Combine(dir!.FullName, "docs", "screenshots");
        }
    }
}

/// <summary>
/// A lost write race on demand, without timing luck: once armed with a stream and another write, the next session about
/// to commit events on that stream first lets the other write commit, so its own append meets a newer version.
/// </summary>
public sealed class RaceBeforeCommit : DocumentSessionListenerBase
{
    private readonly Lock _gate = new();
    private (Guid Stream, Func<Task> Write)? _armed;

    public void Arm(Guid stream, Func<Task> write)
    {
        lock (_gate) _armed = (stream, write);
    }

    public override async Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        Func<Task>? write = null;
        lock (_gate)
        {
            // Disarmed before the other write runs: its own commit passes through here too.
            if (_armed is { } armed && session.PendingChanges.Streams().Any(s => s.Id == armed.Stream))
            {
                write = armed.Write;
                _armed = null;
            }
        }
        if (write is not null) await write();
    }
}

[CollectionDefinition(nameof(BrowserCollection))]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>;

/// <summary>Browser scenarios: a fresh context (no cookies) per test; helpers for signing in and checking pages.</summary>
public sealed class ResourceEntry
{
    public string Name { get; set; } = "";
    public string Initiator { get; set; } = "";
    public double Bytes { get; set; }
}

[Collection(nameof(BrowserCollection))]
public abstract class BrowserContext(BrowserFixture fixture) : IAsyncLifetime
{
    protected BrowserFixture Fixture => fixture;
    protected IBrowserContext Context { get; private set; } = null!;
    protected IPage Page { get; private set; } = null!;

    public const string Practitioner = "priya.shah@example.org";
    public const string Auditor = "auditor@example.org";

    public async Task InitializeAsync()
    {
        fixture.Clock.Offset = TimeSpan.Zero;
        Context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseUrl, ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        Context.SetDefaultTimeout(60_000);
        Page = await Context.NewPageAsync();
    }

    public async Task DisposeAsync() => await Context.DisposeAsync();

    /// <summary>Request headers for calling the API as an administrator, e.g. to register someone who then signs in.</summary>
    protected Dictionary<string, string> AdminHeaders() => new()
    {
        ["Authorization"] = "Bearer " + fixture.Services.GetRequiredService<AuthSettings>().Mint(Roles.Admin, null, "admin@example.org", DateTimeOffset.UtcNow)
    };

    protected async Task AskForLink(string email)
    {
        await Page.GotoAsync("/");
        await Page.GetByLabel("Email address").FillAsync(email);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Email me a sign-in link" }).ClickAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Check your email" })).ToBeVisibleAsync();
    }

    protected async Task SignIn(string email)
    {
        var before = fixture.MailsTo(email);
        await AskForLink(email);
        await Page.GotoAsync(await fixture.NextLinkFor(email, before));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
    }

    /// <summary>axe-core at a phone's and a desktop's width: no serious or critical violation; the screenshot is taken at desktop width.</summary>
    protected async Task CheckPage(string? screenshot = null)
    {
        foreach (var width in new[] { 375, 1280 })
        {
            await Page.SetViewportSizeAsync(width, 900);
            var result = await Page.RunAxe();
            var bad = result.Violations.Where(v => v.Impact is "serious" or "critical")
                .Select(v => $"{v.Id} ({v.Impact}) at {width}px: {v.Help} — {string.Join(", ", v.Nodes.Select(n => n.Target.ToString()))}").ToList();
            bad.ShouldBeEmpty($"{Page.Url}");
            var overflow = await Page.EvaluateAsync<string>("""
                () => document.documentElement.scrollWidth <= document.documentElement.clientWidth ? "" :
                  [...document.querySelectorAll("body *")].filter(e => !e.closest(".scroll") && e.getBoundingClientRect().right > document.documentElement.clientWidth)
                    .slice(0, 5).map(e => e.tagName + (e.id ? "#" + e.id : "") + "." + e.className).join(", ")
                """);
            overflow.ShouldBeEmpty($"{Page.Url} scrolls sideways at {width}px because of");
        }
        // The page and its assets (images aside) under 100 KB transferred, and nothing from another origin.
        var resources = await Page.EvaluateAsync<ResourceEntry[]>("""
            () => performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource"))
                    .map(e => ({ name: e.name, initiator: e.initiatorType, bytes: e.transferSize || e.encodedBodySize || 0 }))
            """);
        resources.Where(r => !r.Name.StartsWith(Fixture.BaseUrl, StringComparison.Ordinal)).ShouldBeEmpty($"{Page.Url} reached another origin");
        resources.Where(r => r.Initiator != "img").Sum(r => r.Bytes).ShouldBeLessThan(100 * 1024, $"{Page.Url} weighs too much");
        if (screenshot is not null)
        {
            Directory.CreateDirectory(BrowserFixture.Screenshots);
            await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Screenshots, screenshot), FullPage = true });
        }
    }
}
