using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PmoLedger.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace PmoLedger.Tests.Web;

public class StaffPagesTests(BrowserFixture fixture) : BrowserContext(fixture)
{
    [Fact]
    public async Task an_admin_registers_a_provider_and_copies_its_key()
    {
        await Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await SignIn("admin@example.org");
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/admin$"));
        await CheckPage();

        await Page.GetByRole(AriaRole.Button, new() { Name = "Register provider" }).ClickAsync();
        await Expect(Page.Locator("#provider-name-error")).ToContainTextAsync("'name' is required");

        await Page.GetByLabel("Name", new() { Exact = true }).FillAsync("Northern PMO School");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Register provider" }).ClickAsync();
        var key = await Page.GetByLabel("API key").InputValueAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Copy the key" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Copied" })).ToBeVisibleAsync();
        (await Page.EvaluateAsync<string>("() => navigator.clipboard.readText()")).ShouldBe(key);
        await CheckPage("admin.png");

        // The key copied is one the API takes: it reads the provider's own completions.
        var providerId = await Page.Locator("tr", new() { HasText = "Northern PMO School" }).Locator("code").InnerTextAsync();
        var response = await Context.APIRequest.GetAsync($"/api/providers/{providerId}/completions",
            new() { Headers = new Dictionary<string, string> { ["X-Api-Key"] = key } });
        response.Status.ShouldBe(200);

        // Shown once: the page read again has no key on it.
        await Page.GotoAsync("/admin");
        (await Page.GetByLabel("API key").CountAsync()).ShouldBe(0);

        // Rotation shows the new key once and stops the old one.
        await Page.GetByRole(AriaRole.Button, new() { Name = "Rotate key for Northern PMO School" }).ClickAsync();
        var rotated = await Page.GetByLabel("API key").InputValueAsync();
        rotated.ShouldNotBe(key);
        (await Context.APIRequest.GetAsync($"/api/providers/{providerId}/completions",
            new() { Headers = new Dictionary<string, string> { ["X-Api-Key"] = key } })).Status.ShouldBe(401);
        (await Context.APIRequest.GetAsync($"/api/providers/{providerId}/completions",
            new() { Headers = new Dictionary<string, string> { ["X-Api-Key"] = rotated } })).Status.ShouldBe(200);
    }

    [Fact]
    public async Task an_auditor_sees_a_revoked_completion_unrevoked_at_an_instant_before_the_revocation()
    {
        var tom = await Fixture.PractitionerIdOf("tom.okafor@example.org");
        using var api = new HttpClient { BaseAddress = new Uri(Fixture.BaseUrl) };
        var admin = Fixture.Services.GetRequiredService<AuthSettings>().Mint(Roles.Admin, null, "admin@test", DateTimeOffset.UtcNow);
        api.DefaultRequestHeaders.Authorization = new("Bearer", admin);
        var provider = await (await api.PostAsJsonAsync("/api/providers", new { name = "Revoking Academy" })).Content.ReadFromJsonAsync<JsonElement>();
        api.DefaultRequestHeaders.Authorization = null;
        api.DefaultRequestHeaders.Add("X-Api-Key", provider.GetProperty("apiKey").GetString());
        var posted = await api.PostAsJsonAsync($"/api/practitioners/{tom}/completions", new
        {
            providerReference = "RA-1", course = new { code = "RISK-200", title = "Risk registers that work" },
            completedOn = Fixture.Clock.Today.AddDays(-10).ToString("yyyy-MM-dd"), outcome = "passed", score = 0.9, cpdPoints = 5
        });
        var completionId = (await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("completionId").GetGuid();
        (await api.PostAsJsonAsync($"/api/completions/{completionId}/revoke", new { reason = "Posted for the wrong learner" })).EnsureSuccessStatusCode();

        await SignIn(Auditor);
        await Page.GotoAsync($"/audit/practitioners/{tom}");
        var now = Page.Locator("section[aria-labelledby=now] li", new() { HasText = "Risk registers that work" });
        await Expect(now).ToContainTextAsync("revoked");

        await Page.Locator("table.history tr", new() { HasText = "training_completed" }).Last.GetByRole(AriaRole.Link).ClickAsync();
        var then = Page.Locator("section[aria-labelledby=then] li", new() { HasText = "Risk registers that work" });
        await Expect(then).ToBeVisibleAsync();
        (await then.InnerTextAsync()).ShouldNotContain("revoked");
        await Expect(then).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("changed"));
        await CheckPage("audit-as-of.png");

        // A business date before a back-dated director role shows the level held then, by today's knowledge.
        api.DefaultRequestHeaders.Remove("X-Api-Key");
        api.DefaultRequestHeaders.Authorization = new("Bearer", admin);
        var registered = await api.PostAsJsonAsync("/api/practitioners", new { fullName = "Dana Backdate", email = $"dana.{Guid.NewGuid():N}@example.org" });
        var dana = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        (await api.PostAsJsonAsync($"/api/practitioners/{dana}/roles", new
        {
            title = "Head of PMO", roleFamily = "director", employmentType = "permanent", organisation = "Harbour Bank",
            industry = "Banking", officeType = "portfolio",
            startedOn = Fixture.Clock.Today.AddDays(-30).ToString("yyyy-MM-dd")
        })).EnsureSuccessStatusCode();
        await Page.GotoAsync($"/audit/practitioners/{dana}");
        await Page.GetByLabel("Or as true on a business date, by today's knowledge").FillAsync(Fixture.Clock.Today.AddDays(-60).ToString("yyyy-MM-dd"));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        var levelThen = Page.Locator("section[aria-labelledby=then] dd").First;
        await Expect(levelThen).ToHaveTextAsync("entry");
        await Expect(levelThen).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("changed"));
        await Expect(Page.Locator("section[aria-labelledby=now] dd").First).ToHaveTextAsync("directing");
        await Expect(Page.GetByText("No timeline for a business date")).ToBeVisibleAsync();
        await CheckPage();

        // Both points at once is refused, naming the fields, and the page keeps what was typed.
        await Page.GetByLabel("As the ledger stood at (ISO 8601 instant, UTC)").FillAsync("2026-01-01T00:00:00Z");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(Page.Locator("#asOf-error")).ToContainTextAsync("Give exactly one of 'asOf'");
        await Expect(Page.GetByLabel("Or as true on a business date, by today's knowledge")).ToHaveValueAsync(Fixture.Clock.Today.AddDays(-60).ToString("yyyy-MM-dd"));

        await Page.GotoAsync("/audit");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Verify the log's integrity" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("unaltered");
        await CheckPage();

        // The NDJSON export works with the session (the API route wants a bearer token).
        var download = await Page.RunAndWaitForDownloadAsync(() => Page.GetByRole(AriaRole.Link, new() { Name = "NDJSON export" }).ClickAsync());
        download.SuggestedFilename.ShouldBe("pmoledger-events.ndjson");
        var first = File.ReadLines((await download.PathAsync())!).First();
        JsonDocument.Parse(first).RootElement.GetProperty("sequence").GetInt64().ShouldBeGreaterThan(0);
        var bad = await Context.APIRequest.GetAsync("/audit?handler=Export&limit=0");
        bad.Status.ShouldBe(400);
        (await bad.TextAsync()).ShouldContain("'limit' must be a whole number");
    }
}
