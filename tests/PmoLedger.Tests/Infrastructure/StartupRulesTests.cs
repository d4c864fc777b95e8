using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.FileProviders;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Infrastructure;

public class StartupRulesTests
{
    internal sealed class Env(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;
        public string ApplicationName { get; set; } = "PmoLedger";
        public string ContentRootPath { get; set; } = ".";
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }

    internal static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.ToDictionary(v => v.Key, v => (string?)v.Value)).Build();

    [Fact]
    public void production_refuses_to_start_without_a_signing_key()
    {
        var error = Should.Throw<InvalidOperationException>(() => AuthSettings.From(Config(), new Env("Production")));
        error.Message.ShouldContain("Auth__SigningKey");
    }

    [Fact]
    public void a_short_signing_key_is_refused()
    {
        Should.Throw<InvalidOperationException>(() => AuthSettings.From(Config(("Auth:SigningKey", "too-short")), new Env("Production")));
    }

    [Fact]
    public void a_configured_key_is_used_in_production()
    {
        var settings = AuthSettings.From(Config(("Auth:SigningKey", new string('k', 40)), ("Auth:Issuer", "corp")), new Env("Production"));
        settings.Issuer.ShouldBe("corp");
    }

    [Fact]
    public async Task health_is_unhealthy_when_postgresql_does_not_answer()
    {
        // Nothing listens on port 1: the check must report, not throw.
        await using var store = DocumentStore.For("Host=127.0.0.1;Port=1;Database=x;Username=x;Password=x;Timeout=2");
        var result = await new PostgresHealthCheck(store).CheckHealthAsync(new HealthCheckContext());
        result.Status.ShouldBe(HealthStatus.Unhealthy);
    }

    [Fact]
    public void production_leaves_the_schema_to_db_apply_unless_told_otherwise()
    {
        SchemaOnStart.From(Config(), new Env("Production")).Apply.ShouldBeFalse();
        SchemaOnStart.From(Config(), new Env("Development")).Apply.ShouldBeTrue();
        SchemaOnStart.From(Config(("Database:ApplySchemaOnStart", "true")), new Env("Production")).Apply.ShouldBeTrue();
        SchemaOnStart.From(Config(("Database:ApplySchemaOnStart", "false")), new Env("Development")).Apply.ShouldBeFalse();
    }
}
