using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PmoLedger.Tests.Web;

/// <summary>The README's promise, in a real browser: sign in from the pickup folder, log CPD, see it counted, audit it.</summary>
public class JourneyTests(BrowserFixture fixture) : BrowserContext(fixture)
{
    [Fact]
    public async Task a_practitioner_logs_cpd_and_the_auditor_sees_it_in_the_history()
    {
        await Page.GotoAsync("/");
        await CheckPage("home.png");

        await SignIn(Practitioner);
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/me$"));
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Priya Shah" })).ToBeVisibleAsync();
        await Expect(Page.Locator("svg.career-chart")).ToBeVisibleAsync();
        await CheckPage("me.png");

        await Page.GetByRole(AriaRole.Link, new() { Name = "Log a CPD activity" }).ClickAsync();
        var stillNeeded = Page.GetByTestId("still-needed");
        var before = await stillNeeded.InnerTextAsync();
        var chartBefore = await Page.Locator("svg.cpd-chart").InnerHTMLAsync();

        // A wrong value first: the field says what is wrong, what was typed is kept, nothing is logged.
        await Page.GetByLabel("Category").SelectOptionAsync("professional-experience");
        await Page.GetByLabel("Points (1 point = 1 hour)").FillAsync("40");
        await Page.GetByLabel("What you did").FillAsync("Ran the quarterly portfolio review");
        await Page.GetByLabel("What you learned").FillAsync("How to keep a review board focused on decisions, not status.");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Log activity" }).ClickAsync();
        await Expect(Page.Locator("#points-error")).ToContainTextAsync("between 0.5 and 15");
        await Expect(Page.GetByLabel("Points (1 point = 1 hour)")).ToHaveValueAsync("40");
        await Expect(Page.GetByLabel("What you did")).ToHaveValueAsync("Ran the quarterly portfolio review");
        (await stillNeeded.InnerTextAsync()).ShouldBe(before);
        await CheckPage("cpd-error.png");

        await Page.GetByLabel("Points (1 point = 1 hour)").FillAsync("3");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Log activity" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your activity is logged");
        await Expect(Page.GetByRole(AriaRole.Cell, new() { Name = "Ran the quarterly portfolio review" })).ToBeVisibleAsync();
        (await stillNeeded.InnerTextAsync()).ShouldNotBe(before);
        (await Page.Locator("svg.cpd-chart").InnerHTMLAsync()).ShouldNotBe(chartBefore);
        await CheckPage("cpd.png");

        await Page.GotoAsync("/me/timeline");
        await Expect(Page.GetByText("Logged 3 CPD points of professional-experience: Ran the quarterly portfolio review.")).ToBeVisibleAsync();
        await CheckPage();

        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Page.GotoAsync("/me");
        await Expect(Page.GetByText("Please sign in to see that page.")).ToBeVisibleAsync();

        await SignIn(Auditor);
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/audit$"));
        await Page.GetByLabel("Find a practitioner (name or email)").FillAsync("priya");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await CheckPage("audit.png");
        await Page.GetByRole(AriaRole.Link, new() { Name = "Priya Shah" }).ClickAsync();
        await Expect(Page.GetByText("Ran the quarterly portfolio review").First).ToBeVisibleAsync();
        var logged = Page.Locator("table.history tr", new() { HasText = "cpd_activity_logged" }).Last;
        await logged.GetByText("data").ClickAsync();
        await Expect(logged).ToContainTextAsync("Ran the quarterly portfolio review");
        await Expect(logged).ToContainTextAsync($"practitioner:{await Fixture.PractitionerIdOf(Practitioner)}");
        await CheckPage("audit-practitioner.png");
    }
}
