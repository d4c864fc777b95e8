using Alba;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Hosting;

/// <summary>
/// The production path: the schema is applied once at deployment (`db-apply`, or a start that applies it) and the
/// nodes start without applying it. Writes must still work for document types Marten first meets on a write.
/// </summary>
public class SchemaAtDeployTests(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public Task a_node_that_does_not_apply_the_schema_still_serves_writes_of_every_kind() => LedgerNodes.OnOwnDatabases(async () =>
    {
        var connection = await TestDatabases.Fresh("_schemadeploy");
        // The deployment step: a start that applies the schema and serves nothing, as db-apply leaves the database.
        await using (await LedgerNodes.Start(connection, solo: true, settings: ("Database__ApplySchemaOnStart", "true"))) { }

        await using var node = await LedgerNodes.Start(connection, solo: true, settings: ("Database__ApplySchemaOnStart", "false"));
        var admin = node.AdminToken();
        await node.Scenario(s =>
        {
            s.WithBearerToken(admin);
            s.Post.Json(new { name = "Deployed Academy" }).ToUrl("/api/providers");
            s.StatusCodeShouldBe(201);
        });
        var id = await node.Register(admin);
        await node.Award(admin, id, DateOnly.FromDateTime(DateTime.UtcNow).AddYears(2));
        await node.Scenario(s =>
        {
            s.WithBearerToken(admin);
            s.Get.Url($"/api/practitioners/{id}/timeline");
            s.StatusCodeShouldBe(200);
        });
    });
}
