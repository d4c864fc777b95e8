using Marten.Events;

namespace PmoLedger.Tests.Hosting;

public sealed class HealthTests(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task readiness_names_the_database_the_schema_and_the_projections_and_needs_no_credentials()
    {
        await RegisterPractitioner();
        await Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(30));

        var ready = await (await Host.Scenario(s => { s.Get.Url("/health/ready"); s.StatusCodeShouldBe(200); })).Json();
        ready.Str("status").ShouldBe("Healthy");
        var checks = ready.GetProperty("checks");
        foreach (var name in new[] { "postgresql", "schema", "projections" })
            checks.GetProperty(name).Str("status").ShouldBe("Healthy", name);
        checks.GetProperty("projections").Str("detail").ShouldContain("events behind");

        (await (await Host.Scenario(s => { s.Get.Url("/health/live"); s.StatusCodeShouldBe(200); })).Json()).Str("status").ShouldBe("Healthy");
    }

    [Fact]
    public async Task the_projection_lag_is_measured_per_async_shard_from_the_newest_event()
    {
        await RegisterPractitioner();
        await Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(30));

        var lag = await PmoLedger.Infrastructure.ProjectionLagHealthCheck.Lag(Store, CancellationToken.None);
        lag.ShouldNotBeEmpty();
        lag.Values.ShouldAllBe(v => v == 0);
    }
}
