using System.Text.Json;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Infrastructure;

public class DemoDataTests(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task demo_data_loads_once_with_careers_from_entry_to_directing()
    {
        (await DemoData.SeedIfEmptyAsync(Store, Clock, CancellationToken.None)).ShouldBeTrue();
        (await DemoData.SeedIfEmptyAsync(Store, Clock, CancellationToken.None)).ShouldBeFalse();

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
