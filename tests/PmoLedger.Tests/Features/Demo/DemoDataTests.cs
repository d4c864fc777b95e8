using PmoLedger.Features.Demo;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using PmoLedger.Infrastructure;
using Wolverine.Marten;

namespace PmoLedger.Tests.Features.Demo;

public class DemoDataTests(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task demo_data_loads_once_with_careers_from_entry_to_directing()
    {
        Logs.Clear();
        (await DemoData.SeedIfEmptyAsync(Store, Host.Services.GetRequiredService<KeyRing>(), Host.Services.GetRequiredService<IServiceScopeFactory>(), Clock, CancellationToken.None)).ShouldBeTrue();
        // Nothing scheduled is dropped (an outbox reused after its first commit warns that it will not send).
        Logs.AtLeast(Serilog.Events.LogEventLevel.Warning).Select(e => e.RenderMessage()).ShouldBeEmpty();
        (await DemoData.SeedIfEmptyAsync(Store, Host.Services.GetRequiredService<KeyRing>(), null, Clock, CancellationToken.None)).ShouldBeFalse();

        // Alex Morgan, an analyst for a year, reaches the working level next year: that step is a durable scheduled message.
        await using (var session = Store.QuerySession())
        {
            var scheduled = await session.QueryAsync<int>(
                "select count(*)::int from ledger.wolverine_incoming_envelopes where status = 'Scheduled' and message_type like '%ReassessCareerLevel'");
            scheduled.Single().ShouldBeGreaterThan(0);
            var expiries = await session.QueryAsync<int>(
                "select count(*)::int from ledger.wolverine_incoming_envelopes where status = 'Scheduled' and message_type like '%SettleCertifications'");
            expiries.Single().ShouldBeGreaterThan(0);
        }

        var priya = await Get<JsonElement>("/api/practitioners?email=priya.shah@example.org");
        var priyaId = priya.GetProperty("id").GetGuid();
        var profile = await Get<JsonElement>($"/api/practitioners/{priyaId}");
        profile.Str("careerLevel").ShouldBe("directing");
        profile.GetProperty("completions").GetInt32().ShouldBe(1);
        var certification = profile.GetProperty("certifications").EnumerateArray().Single();
        (certification.Str("code"), certification.Str("status")).ShouldBe(("P3O-P", "active"));
        var ledger = await Get<JsonElement>($"/api/practitioners/{priyaId}/cpd");
        var firstPeriod = ledger.GetProperty("cycles").EnumerateArray().Single().GetProperty("periods").EnumerateArray().First();
        firstPeriod.GetProperty("countedPoints").GetDecimal().ShouldBe(14m + 6m + 2.5m);   // the course, experience, community
        firstPeriod.GetProperty("met").GetBoolean().ShouldBeTrue();

        var tomProfile = await Get<JsonElement>($"/api/practitioners/{(await Get<JsonElement>("/api/practitioners?email=tom.okafor@example.org")).GetProperty("id").GetGuid()}");
        tomProfile.GetProperty("completions").GetInt32().ShouldBe(1);

        var alex = await Get<JsonElement>("/api/practitioners?email=alex.morgan@example.org");
        (await Get<JsonElement>($"/api/practitioners/{alex.GetProperty("id").GetGuid()}")).Str("careerLevel").ShouldBe("entry");
        (await Get<JsonElement>($"/api/practitioners/{alex.GetProperty("id").GetGuid()}/plan")).GetProperty("goals").GetArrayLength().ShouldBe(1);

        var tom = await Get<JsonElement>("/api/practitioners?email=tom.okafor@example.org");
        var timeline = await Get<JsonElement>($"/api/practitioners/{tom.GetProperty("id").GetGuid()}/timeline");
        timeline.GetProperty("entries").EnumerateArray().Select(e => e.Str("kind")).ShouldContain("career-level-reached");
    }
}
