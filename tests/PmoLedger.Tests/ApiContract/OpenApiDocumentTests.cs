using System.Text.Json;

namespace PmoLedger.Tests.ApiContract;

/// <summary>/openapi/v1.json describes every route as it behaves (api.md "Rules for every route").</summary>
public class OpenApiDocumentTests(AppFixture fixture) : IntegrationContext(fixture)
{
    private async Task<JsonElement> Document() =>
        await (await Host.Scenario(s => s.Get.Url("/openapi/v1.json"))).Json();

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (p.Name, o.Name, o.Value)));

    private static IEnumerable<string> Statuses(JsonElement operation) =>
        operation.GetProperty("responses").EnumerateObject().Select(r => r.Name);

    [Fact]
    public async Task every_route_has_a_summary_a_typed_answer_and_its_refusals()
    {
        var document = await Document();
        document.GetRawText().ShouldNotContain("IResult");
        var operations = Operations(document).ToList();
        operations.Count.ShouldBeGreaterThan(25);

        foreach (var (path, method, operation) in operations)
        {
            var name = $"{method.ToUpperInvariant()} {path}";
            operation.Str("summary").ShouldNotContain("_", customMessage: name);
            operation.Str("description").ShouldNotBeNullOrWhiteSpace(name);
            var statuses = Statuses(operation).ToList();
            statuses.ShouldContain("401", name);
            statuses.ShouldContain("403", name);
            statuses.Contains("404").ShouldBe(path.Contains('{') || operation.Str("operationId") == "searchPractitioners", name);
            foreach (var refusal in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] is '4'))
                refusal.Value.GetProperty("content").TryGetProperty("application/problem+json", out _).ShouldBeTrue($"{name} {refusal.Name}");

            var success = operation.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] == '2').ToList();
            success.ShouldNotBeEmpty(name);
            foreach (var answer in success.Where(r => r.Name != "204"))
                answer.Value.TryGetProperty("content", out _).ShouldBeTrue($"{name} {answer.Name} has no schema");

            if (operation.TryGetProperty("requestBody", out _))
            {
                statuses.ShouldContain("413", name);
                statuses.ShouldContain("415", name);
            }
        }
    }

    [Fact]
    public async Task conflicts_are_declared_where_they_happen()
    {
        var operations = Operations(await Document()).ToDictionary(o => o.Operation.Str("operationId"), o => o.Operation);
        foreach (var id in new[] { "registerPractitioner", "registerProvider", "correctPractitionerDetails", "completeTraining", "endRole" })
            Statuses(operations[id]).ShouldContain("409", id);
        Statuses(operations["getProfile"]).ShouldNotContain("409");
        Statuses(operations["getProfile"]).ShouldNotContain("400");
    }

    [Fact]
    public async Task the_batch_takes_json_items_or_csv()
    {
        var document = await Document();
        var batch = Operations(document).Single(o => o.Operation.Str("operationId") == "postCompletionBatch").Operation;
        var content = batch.GetProperty("requestBody").GetProperty("content");
        content.TryGetProperty("text/csv", out _).ShouldBeTrue();
        content.GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString().ShouldBe("#/components/schemas/CompletionBatch");

        var item = document.GetProperty("components").GetProperty("schemas").GetProperty("CompletionBatchItem").GetProperty("properties");
        foreach (var field in new[] { "practitionerId", "practitionerEmail", "providerReference", "course", "completedOn", "outcome", "score", "cpdPoints", "evidenceUrl" })
            item.TryGetProperty(field, out _).ShouldBeTrue(field);
    }

    [Fact]
    public async Task enums_carry_their_values_and_required_lists_only_what_is()
    {
        var schemas = (await Document()).GetProperty("components").GetProperty("schemas");
        var level = schemas.GetProperty("CareerLevel");
        level.Str("type").ShouldBe("string");
        level.GetProperty("enum").EnumerateArray().Select(v => v.GetString()).ShouldBe(["entry", "working", "managing", "directing"]);

        var profile = schemas.GetProperty("ProfileView");
        var required = profile.GetProperty("required").EnumerateArray().Select(v => v.GetString()).ToList();
        required.ShouldContain("careerLevel");
        required.ShouldNotContain("currentRole");
        schemas.GetProperty("CorrectDetails").TryGetProperty("required", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task both_credentials_are_declared_and_the_reference_page_is_at_docs_not_at_the_root()
    {
        var schemes = (await Document()).GetProperty("components").GetProperty("securitySchemes");
        schemes.GetProperty("bearer").Str("scheme").ShouldBe("bearer");
        schemes.GetProperty("apiKey").Str("name").ShouldBe("X-Api-Key");

        await Host.Scenario(s =>
        {
            s.Get.Url("/docs/");
            s.StatusCodeShouldBe(200);
        });
        // "/" belongs to the web application, not to the API reference.
        var home = await Host.Scenario(s =>
        {
            s.Get.Url("/");
            s.StatusCodeShouldBe(200);
        });
        (await home.ReadAsTextAsync()).ShouldNotContain("openapi/v1.json");
    }
}
