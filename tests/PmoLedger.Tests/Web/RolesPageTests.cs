using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PmoLedger.Tests.Web;

public class RolesPageTests(BrowserFixture fixture) : BrowserContext(fixture)
{
    [Fact]
    public async Task a_practitioner_records_a_concurrent_role_and_ends_it()
    {
        await SignIn("alex.morgan@example.org");
        await Page.GotoAsync("/me/roles");
        await CheckPage();

        await Page.GetByLabel("Organisation").FillAsync("Harbour Bank");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Record role" }).ClickAsync();
        await Expect(Page.Locator("#title-error")).ToContainTextAsync("'title' is required");
        await Expect(Page.GetByLabel("Organisation")).ToHaveValueAsync("Harbour Bank");
        await CheckPage("roles-error.png");

        await Page.GetByLabel("Job title").FillAsync("Risk Champion");
        await Page.GetByLabel("Role family").SelectOptionAsync("specialist");
        await Page.GetByLabel("Specialism (for specialists)").SelectOptionAsync("risk");
        await Page.GetByLabel("Industry").FillAsync("Financial services");
        await Page.GetByLabel("Started on").FillAsync(Fixture.Clock.Today.AddMonths(-2).ToString("yyyy-MM-dd"));
        await Page.GetByLabel("Held alongside my main role (concurrent)").CheckAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Record role" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Risk Champion is recorded");

        var row = Page.Locator("tr", new() { HasText = "Risk Champion" });
        await row.GetByRole(AriaRole.Button, new() { Name = "End role" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("The role is ended");
        await Expect(Page.Locator("tr", new() { HasText = "Risk Champion" }).GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        await CheckPage("roles.png");

        await Page.GotoAsync("/me");
        await Expect(Page.Locator("svg.career-chart")).ToContainTextAsync("Risk Champion at Harbour Bank");
    }
}
