using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PmoLedger.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace PmoLedger.Tests.Web;

public class AccountPageTests(BrowserFixture fixture) : BrowserContext(fixture)
{
    [Fact]
    public async Task a_practitioner_downloads_their_data_as_the_export_route_answers_it()
    {
        await SignIn("alex.morgan@example.org");
        await Page.GetByRole(AriaRole.Link, new() { Name = "Account", Exact = true }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "My account" })).ToBeVisibleAsync();
        await Expect(Page.Locator("dl.facts")).ToContainTextAsync("alex.morgan@example.org");
        await CheckPage();

        var download = await Page.RunAndWaitForDownloadAsync(() => Page.GetByRole(AriaRole.Link, new() { Name = "Download my data" }).ClickAsync());
        var id = await Fixture.PractitionerIdOf("alex.morgan@example.org");
        download.SuggestedFilename.ShouldBe($"pmoledger-{id}.json");
        using var export = JsonDocument.Parse(await File.ReadAllTextAsync((await download.PathAsync())!));
        export.RootElement.GetProperty("practitionerId").GetGuid().ShouldBe(id);
        export.RootElement.GetProperty("profile").GetProperty("fullName").GetString().ShouldBe("Alex Morgan");
        // The goal's description is sealed in its event; the download holds it in plain text, as the API's does.
        export.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetRawText())
            .ShouldContain(e => e.Contains("Pass the P3O Foundation exam"));

        // The demo career earned credentials: each with a share link and its signed file, which the issuer verifies.
        var rows = Page.Locator("table.credentials tbody tr");
        await Expect(rows.First).ToBeVisibleAsync();
        (await rows.CountAsync()).ShouldBeGreaterThan(0);
        var share = await Page.Locator("table.credentials input[readonly]").First.InputValueAsync();
        share.ShouldMatch(@"/credentials/[0-9a-f-]{36}$");
        var jwtDownload = await Page.RunAndWaitForDownloadAsync(() => Page.GetByRole(AriaRole.Link,
            new() { NameRegex = new System.Text.RegularExpressions.Regex(@"^Download \.jwt of .+$") }).First.ClickAsync());
        jwtDownload.SuggestedFilename.ShouldEndWith(".jwt");
        var jwt = (await File.ReadAllTextAsync((await jwtDownload.PathAsync())!)).Trim();
        jwt.Split('.').Length.ShouldBe(3);
        var verify = await Context.APIRequest.PostAsync("/api/credentials/verify", new()
        {
            Headers = new Dictionary<string, string> { ["Content-Type"] = "application/vc+jwt" }, Data = jwt
        });
        verify.Status.ShouldBe(200);
        using (var verdict = JsonDocument.Parse(await verify.TextAsync()))
            verdict.RootElement.GetProperty("verified").GetBoolean().ShouldBeTrue(verdict.RootElement.ToString());

        await rows.First.GetByRole(AriaRole.Link).First.ClickAsync();
        await Expect(Page.Locator("[data-verified]")).ToHaveAttributeAsync("data-verified", "true");
        await CheckPage("credential.png");
    }

    [Fact]
    public async Task a_practitioner_corrects_their_name_and_email_and_sees_it_on_their_timeline()
    {
        var admin = new Dictionary<string, string>
        {
            ["Authorization"] = "Bearer " + Fixture.Services.GetRequiredService<AuthSettings>().Mint(Roles.Admin, null, "admin@example.org", DateTimeOffset.UtcNow)
        };
        (await Context.APIRequest.PostAsync("/api/practitioners", new()
        {
            Headers = admin, DataObject = new { fullName = "Sam Smyth", email = "sam.smyth@example.org" }
        })).Status.ShouldBe(201);

        await SignIn("sam.smyth@example.org");
        await Page.GotoAsync("/me/account");
        var correct = Page.GetByRole(AriaRole.Button, new() { Name = "Correct my details" });

        // The route's own rules: a malformed address is named and nothing is saved; someone else's address is refused.
        await Page.GetByLabel("Email address", new() { Exact = true }).FillAsync("sam.smith-at-example");
        await correct.ClickAsync();
        await Expect(Page.Locator("#email-error")).ToContainTextAsync("'email' is not a valid email address.");
        await Expect(Page.GetByLabel("Email address", new() { Exact = true })).ToHaveValueAsync("sam.smith-at-example");
        await CheckPage();
        await Page.GetByLabel("Email address", new() { Exact = true }).FillAsync(Practitioner);
        await correct.ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Another practitioner is registered with this email.");
        await Expect(Page.Locator("dl.facts")).ToContainTextAsync("sam.smyth@example.org");

        await Page.GetByLabel("Full name").FillAsync("Sam Smith");
        await Page.GetByLabel("Email address", new() { Exact = true }).FillAsync("sam.smith@example.org");
        await correct.ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your details are corrected.");
        await Expect(Page.Locator("dl.facts")).ToContainTextAsync("Sam Smith");
        await Expect(Page.Locator("dl.facts")).ToContainTextAsync("sam.smith@example.org");
        await CheckPage("account.png");

        await Page.GotoAsync("/me/timeline");
        var corrected = Page.Locator("ol.timeline > li", new() { HasText = "details-corrected" });
        await Expect(corrected).ToContainTextAsync("name from 'Sam Smyth' to 'Sam Smith'");

        // The new address is the one that signs in now.
        await Context.ClearCookiesAsync();
        await SignIn("sam.smith@example.org");
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/me$"));
    }

    [Fact]
    public async Task a_practitioner_turns_the_new_badge_emails_off_and_on_again_and_each_change_is_on_their_timeline()
    {
        var admin = new Dictionary<string, string>
        {
            ["Authorization"] = "Bearer " + Fixture.Services.GetRequiredService<AuthSettings>().Mint(Roles.Admin, null, "admin@example.org", DateTimeOffset.UtcNow)
        };
        (await Context.APIRequest.PostAsync("/api/practitioners", new()
        {
            Headers = admin, DataObject = new { fullName = "Noor Notices", email = "noor.notices@example.org" }
        })).Status.ShouldBe(201);

        await SignIn("noor.notices@example.org");
        await Page.GotoAsync("/me/account");
        var badges = Page.GetByLabel("Email me when I get a new badge");
        var save = Page.GetByRole(AriaRole.Button, new() { Name = "Save my notice settings" });
        await Expect(badges).ToBeCheckedAsync();

        await badges.UncheckAsync();
        await save.ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("You will get no more emails about new badges.");
        await Expect(badges).Not.ToBeCheckedAsync();
        await CheckPage();

        await badges.CheckAsync();
        await save.ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("You will get an email for each new badge.");
        await Expect(badges).ToBeCheckedAsync();
        // Saved unchanged: nothing more is recorded.
        await save.ClickAsync();

        await Page.GotoAsync("/me/timeline");
        await Expect(Page.Locator("ol.timeline > li", new() { HasText = "notices-stopped" })).ToContainTextAsync("Stopped the new badge notices by email.");
        await Expect(Page.Locator("ol.timeline > li", new() { HasText = "notices-resumed" })).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task an_erased_practitioner_reads_as_erased_on_the_audit_pages()
    {
        var admin = new Dictionary<string, string>
        {
            ["Authorization"] = "Bearer " + Fixture.Services.GetRequiredService<AuthSettings>().Mint(Roles.Admin, null, "admin@example.org", DateTimeOffset.UtcNow)
        };
        var registered = await Context.APIRequest.PostAsync("/api/practitioners", new()
        {
            Headers = admin, DataObject = new { fullName = "Erin Eraseme", email = "erin.eraseme@example.org" }
        });
        registered.Status.ShouldBe(201);
        var id = (await registered.JsonAsync())!.Value.GetProperty("id").GetGuid();
        (await Context.APIRequest.PostAsync($"/api/practitioners/{id}/erase", new()
        {
            Headers = admin, DataObject = new { reason = "Ticket DPO-4411" }
        })).Status.ShouldBe(204);

        await SignIn(Auditor);
        await Page.GotoAsync($"/audit/practitioners/{id}");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(PersonalText.ErasedMarker);
        await Expect(Page.Locator("p.muted").First).ToContainTextAsync($"{PersonalText.ErasedMarker} · practitioner {id}");
        (await Page.ContentAsync()).ShouldNotContain("Erin Eraseme");
        (await Page.ContentAsync()).ShouldNotContain("erin.eraseme@example.org");
        await CheckPage();
    }
}
