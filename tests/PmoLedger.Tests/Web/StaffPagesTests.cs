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

        await Page.GotoAsync("/audit");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Verify the log's integrity" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("unaltered");
        await CheckPage();
    }
}
