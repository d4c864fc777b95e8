using System.Text;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PmoLedger.Tests.Web;

public class ProviderPagesTests(BrowserFixture fixture) : BrowserContext(fixture)
{
    [Fact]
    public async Task provider_staff_upload_a_csv_with_one_bad_row_and_only_that_row_is_refused()
    {
        await SignIn("coordinator@pmo-academy.example");
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/provider$"));
        var day = Fixture.Clock.Today.AddDays(-3).ToString("yyyy-MM-dd");
        var csv = $"""
            providerReference,practitionerEmail,courseCode,courseTitle,completedOn,outcome,cpdPoints
            UP-1,tom.okafor@example.org,GOV-110,Governance essentials,{day},passed,4
            UP-2,alex.morgan@example.org,GOV-110,Governance essentials,not-a-date,passed,4
            UP-3,alex.morgan@example.org,GOV-110,Governance essentials,{day},completed,4
            """;
        await Page.GetByLabel("CSV file").SetInputFilesAsync(new FilePayload { Name = "completions.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv) });
        await Page.GetByRole(AriaRole.Button, new() { Name = "Upload" }).ClickAsync();

        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Upload result: 2 recorded, 0 already recorded, 1 refused" })).ToBeVisibleAsync();
        var rows = Page.Locator("table.results tbody tr");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(rows.Nth(0)).ToContainTextAsync("recorded");
        await Expect(rows.Nth(1)).ToContainTextAsync("refused (400)");
        await Expect(rows.Nth(1)).ToContainTextAsync("completedOn: 'completedOn' must be a date");
        await Expect(rows.Nth(2)).ToContainTextAsync("recorded");
        await Expect(Page.Locator("section[aria-labelledby=posted] tr", new() { HasText = "UP-3" })).ToBeVisibleAsync();
        (await Page.Locator("section[aria-labelledby=posted] tr", new() { HasText = "UP-2" }).CountAsync()).ShouldBe(0);
        await CheckPage("provider.png");

        // Sent again, the rows already in are recognised rather than recorded twice.
        await Page.GetByLabel("CSV file").SetInputFilesAsync(new FilePayload { Name = "completions.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv) });
        await Page.GetByRole(AriaRole.Button, new() { Name = "Upload" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Upload result: 0 recorded, 2 already recorded, 1 refused" })).ToBeVisibleAsync();

        var posted = Page.Locator("section[aria-labelledby=posted] tr", new() { HasText = "UP-1" });
        await posted.GetByLabel("Reason to revoke UP-1").FillAsync("Learner did not attend");
        await posted.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("revoked");
        await Expect(Page.Locator("section[aria-labelledby=posted] tr", new() { HasText = "UP-1" })).ToContainTextAsync("revoked: Learner did not attend");
        await CheckPage();
    }

    [Fact]
    public async Task provider_staff_post_one_completion_by_the_learners_email()
    {
        await SignIn("coordinator@pmo-academy.example");
        await Page.GetByLabel("Learner's email").FillAsync("priya.shah@example.org");
        await Page.GetByLabel("Your reference").FillAsync("ONE-1");
        await Page.GetByLabel("Course code", new() { Exact = true }).FillAsync("BEN-300");
        await Page.GetByLabel("Course title").FillAsync("Benefits mapping");
        await Page.GetByLabel("Completed on").FillAsync(Fixture.Clock.Today.AddDays(-1).ToString("yyyy-MM-dd"));
        await Page.GetByLabel("CPD points").FillAsync("lots");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Post completion" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("'cpdPoints' must be a number");
        await Expect(Page.GetByLabel("Course title")).ToHaveValueAsync("Benefits mapping");

        await Page.GetByLabel("CPD points").FillAsync("6");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Post completion" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("ONE-1 is recorded");
        await Expect(Page.Locator("section[aria-labelledby=posted] tr", new() { HasText = "ONE-1" })).ToContainTextAsync("Benefits mapping");
        await CheckPage();
    }
}
