using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PmoLedger.Tests.Web;

public class AuditSearchTests(BrowserFixture fixture) : BrowserContext(fixture)
{
    [Fact]
    public async Task an_auditor_finds_practitioners_by_organisation_and_career_level_as_the_api_does()
    {
        await SignIn(Auditor);
        await Page.GotoAsync("/audit");
        var rows = Page.Locator("table tbody tr");

        // The demo data: Priya Shah now heads the portfolio office at Castlefield Energy; Tom Okafor is at Brightwave Digital.
        await Page.GetByLabel("Organisation (the whole name)").FillAsync("castlefield energy");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToContainTextAsync("Priya Shah");
        await Expect(Page.GetByLabel("Organisation (the whole name)")).ToHaveValueAsync("castlefield energy");
        var level = (await rows.First.Locator("td").Nth(3).InnerTextAsync()).Trim();
        await CheckPage();

        // Her own level keeps her; another level with the same organisation finds nobody.
        await Page.GetByLabel("Career level").SelectOptionAsync(level);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(1);
        var other = new[] { "entry", "working", "managing", "directing" }.First(l => l != level);
        await Page.GetByLabel("Career level").SelectOptionAsync(other);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Expect(Page.GetByText("No practitioner matches.")).ToBeVisibleAsync();

        // A level typed into the address bar is refused with the API's own message, naming the field.
        var refused = await Page.GotoAsync("/audit?careerLevel=guru");
        refused!.Status.ShouldBe(400);
        await Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("'guru' is not a known careerLevel");
        await CheckPage();
    }
}
