using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using PmoLedger.Infrastructure;
using Wolverine.Marten;

namespace PmoLedger.Tests.Infrastructure;

public class DemoDataTests(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task demo_data_loads_once_with_careers_from_entry_to_directing()
    {
        using (var scope = Host.Services.CreateScope())
        {
            var outbox = scope.ServiceProvider.GetRequiredService<IMartenOutbox>();
            (await DemoData.SeedIfEmptyAsync(Store, outbox, Clock, CancellationToken.None)).ShouldBeTrue();
        }
        (await DemoData.SeedIfEmptyAsync(Store, null, Clock, CancellationToken.None)).ShouldBeFalse();

        // Alex Morgan, an analyst for a year, reaches the working level next year: that step is a durable scheduled message.
        await using (var session = Store.QuerySession())
        {
            var scheduled = await session.QueryAsync<int>(
                "select count(*)::int from ledger.wolverine_incoming_envelopes where status = 'Scheduled' and message_type like '%ReassessCareerLevel'");
            scheduled.Single().ShouldBeGreaterThan(0);
        }

        var priya = await Get<JsonElement>("/api/practitioners?email=priya.shah@example.org");
        var profile = await Get<JsonElement>($"/api/practitioners/{priya.GetProperty("id").GetGuid()}");
        profile.Str("careerLevel").ShouldBe("directing");

        var alex = await Get<JsonElement>("/api/practitioners?email=alex.morgan@example.org");
        (await Get<JsonElement>($"/api/practitioners/{alex.GetProperty("id").GetGuid()}")).Str("careerLevel").ShouldBe("entry");

        var tom = await Get<JsonElement>("/api/practitioners?email=tom.okafor@example.org");
        var timeline = await Get<JsonElement>($"/api/practitioners/{tom.GetProperty("id").GetGuid()}/timeline");
        timeline.GetProperty("entries").EnumerateArray().Select(e => e.Str("kind")).ShouldContain("career-level-reached");
    }
}
