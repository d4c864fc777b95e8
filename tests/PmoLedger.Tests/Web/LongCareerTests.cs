using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PmoLedger.Features.Practitioners;
using PmoLedger.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace PmoLedger.Tests.Web;

public class LongCareerTests(BrowserFixture fixture) : BrowserContext(fixture)
{
    /// <summary>
    /// A practitioner with 1,000 events: their timeline and the auditor's "now" timeline come a page at a time,
    /// and every page stays under 100 KB (CheckPage measures what the browser received).
    /// </summary>
    [Fact]
    public async Task a_career_of_a_thousand_events_is_read_a_light_page_at_a_time()
    {
        const string email = "lena.longcareer@example.org";
        var admin = new Dictionary<string, string>
        {
            ["Authorization"] = "Bearer " + Fixture.Services.GetRequiredService<AuthSettings>().Mint(Roles.Admin, null, "admin@example.org", DateTimeOffset.UtcNow)
        };
        var registered = await Context.APIRequest.PostAsync("/api/practitioners", new()
        {
            Headers = admin, DataObject = new { fullName = "Lena Longcareer", email }
        });
        registered.Status.ShouldBe(201);
        var id = (await registered.JsonAsync())!.Value.GetProperty("id").GetGuid();

        // 999 completions appended as a provider's postings would be, in one go: the volume is the point here,
        // the posting route has tests of its own.
        var provider = Guid.NewGuid();
        var first = Fixture.Clock.Today.AddDays(-999);
        await using (var session = Fixture.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Events.Append(id, Enumerable.Range(0, 999).Select(i => (object)new TrainingCompleted(
                Guid.NewGuid(), provider, "Bulk Academy", $"BULK-{i}", $"C-{i:0000}", $"Course number {i}",
                first.AddDays(i), TrainingOutcome.Completed, null, 1, null)).ToArray());
            await session.SaveChangesAsync();
        }
        await using (var session = Fixture.Services.GetRequiredService<IDocumentStore>().QuerySession())
            (await session.Events.FetchStreamStateAsync(id))!.Version.ShouldBe(1000);

        await SignIn(email);
        await Page.GotoAsync("/me/timeline");
        var entries = Page.Locator("ol.timeline > li");
        await Expect(entries).ToHaveCountAsync(50);
        // Registered today, after the back-dated courses: the newest entry on the page.
        await Expect(entries.First).ToContainTextAsync("joined the ledger");
        await Expect(entries.Nth(1)).ToContainTextAsync("Course number 998");
        await Expect(Page.Locator("main")).ToContainTextAsync("page 1 of 20");
        await CheckPage("timeline-long.png");

        await Page.GetByRole(AriaRole.Link, new() { Name = "Older entries" }).ClickAsync();
        await Expect(entries.First).ToContainTextAsync("Course number 949");
        await Page.GotoAsync("/me/timeline?timelinePage=20");
        await Expect(entries.Last).ToContainTextAsync("Course number 0");
        await Expect(Page.GetByRole(AriaRole.Link, new() { Name = "Older entries" })).ToHaveCountAsync(0);
        await CheckPage();

        await Context.ClearCookiesAsync();
        await SignIn(Auditor);
        await Page.GotoAsync($"/audit/practitioners/{id}");
        var now = Page.Locator("section[aria-labelledby=now] ol.timeline > li");
        await Expect(now).ToHaveCountAsync(50);
        await Expect(now.Nth(1)).ToContainTextAsync("Course number 998");
        await Expect(Page.Locator("table.history tbody tr")).ToHaveCountAsync(50);
        await CheckPage();

        await Page.GetByRole(AriaRole.Link, new() { Name = "Older entries" }).ClickAsync();
        await Expect(now.First).ToContainTextAsync("Course number 949");
        // Paging the timeline keeps the history on the page it was on, and the reverse.
        var history = Page.Locator("section[aria-labelledby=history]");
        await Expect(history).ToContainTextAsync("1000 events; page 20 of 20");
        await history.GetByRole(AriaRole.Link, new() { Name = "Older events" }).ClickAsync();
        await Expect(now.First).ToContainTextAsync("Course number 949");
        await Expect(history).ToContainTextAsync("1000 events; page 19 of 20");
        await CheckPage();
    }
}
