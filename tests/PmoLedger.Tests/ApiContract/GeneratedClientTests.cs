using System.Collections;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using Alba;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NSwag.CodeGeneration.CSharp;
using NSwag.CodeGeneration.OperationNameGenerators;
using PmoLedger.Tests.Features.Providers;

namespace PmoLedger.Tests.ApiContract;

/// <summary>
/// As a provider integrates: generate a C# client from the running service's OpenAPI document with
/// NSwag, compile it, and drive the real routes and database with it. The code is regenerated every run.
/// </summary>
public class GeneratedClientTests(AppFixture fixture) : ProviderContext(fixture)
{
    [Fact]
    public async Task a_generated_client_drives_a_providers_and_an_auditors_whole_flow()
    {
        var client = await GenerateClient();
        var provider = await RegisterProvider("Generated Client Training");

        // The provider: register a learner, post, re-post, batch, revoke, list.
        var asProvider = client.Connect(http => http.DefaultRequestHeaders.Add("X-Api-Key", provider.ApiKey));
        var created = await asProvider.Call("RegisterPractitionerAsync",
            ("body", client.New("RegisterPractitioner", ("FullName", "Gen Client"), ("Email", "gen.client@example.org"))));
        Guid practitionerId = created.Id;

        object Completion(string reference) => client.New("CompleteTraining",
            ("ProviderReference", reference),
            ("Course", client.New("CourseInput", ("Code", "PMO-101"), ("Title", "Intro to P3O"))),
            ("CompletedOn", new DateTimeOffset(2026, 1, 15, 0, 0, 0, TimeSpan.Zero)),
            ("Outcome", "passed"), ("Score", 0.85), ("CpdPoints", 7.0));
        var posted = await asProvider.Call("CompleteTrainingAsync", ("id", practitionerId), ("body", Completion("ref-1")));
        Guid completionId = posted.CompletionId;
        var reposted = await asProvider.Call("CompleteTrainingAsync", ("id", practitionerId), ("body", Completion("ref-1")));
        ((Guid)reposted.CompletionId).ShouldBe(completionId);

        var batch = client.New("CompletionBatch");
        var item = client.New("CompletionBatchItem",
            ("PractitionerEmail", "GEN.CLIENT@example.org"), ("ProviderReference", "ref-2"),
            ("Course", client.New("CourseInput", ("Code", "PMO-102"), ("Title", "Portfolio offices"))),
            ("CompletedOn", new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero)), ("Outcome", "attended"), ("CpdPoints", 3.5));
        ((IList)((dynamic)batch).Items).Add(item);
        var batchAnswer = await asProvider.Call("PostCompletionBatchAsync", ("body", batch));
        var result = Enumerable.Single((IEnumerable<dynamic>)batchAnswer.Results);
        ((int)result.Status).ShouldBe(201);

        await asProvider.Call("RevokeCompletionAsync", ("completionId", completionId),
            ("body", client.New("RevokeCompletion", ("Reason", "Posted to the wrong learner"))));

        var listed = await asProvider.Call("GetProviderCompletionsAsync", ("id", provider.Id));
        ((long)listed.Total).ShouldBe(2);
        var statuses = ((IEnumerable<dynamic>)listed.Items).Select(i => (string)i.Status).Order().ToList();
        statuses.ShouldBe(["active", "revoked"]);

        // A role with a multi-word enum value, so the profile read below round-trips one.
        await As(AdminToken, s =>
        {
            s.Post.Json(new
            {
                title = "PMO Analyst", roleFamily = "analyst", employmentType = "part-time", organisation = "Acme", industry = "Energy",
                officeType = "programme", startedOn = Clock.Today.AddYears(-1)
            }).ToUrl($"/api/practitioners/{practitionerId}/roles");
            s.StatusCodeShouldBe(204);
        });

        // The auditor: search, history, as-of.
        var asAuditor = client.Connect(http => http.DefaultRequestHeaders.Authorization = new("Bearer", AuditorToken));
        var found = await asAuditor.Call("SearchPractitionersAsync", ("q", "gen client"));
        ((Guid)Enumerable.Single((IEnumerable<dynamic>)found.Items).Id).ShouldBe(practitionerId);

        var history = (IEnumerable<dynamic>)await asAuditor.Call("GetAuditEventHistoryAsync", ("id", practitionerId));
        history.Select(e => (string)e.Type).ShouldContain(t => t.Contains("revoked", StringComparison.OrdinalIgnoreCase));

        var asOf = Clock.GetUtcNow().ToString("O");
        var past = await asAuditor.Call("GetAuditProfileAsync", ("id", practitionerId), ("asOf", asOf));
        ((int)past.Completions).ShouldBe(1);
        ((string)past.FullName).ShouldBe("Gen Client");
        ((object)past.CurrentRole.EmploymentType).ToString().ShouldBe("PartTime");

        // A refusal reaches the client as the documented problem.
        var refused = await Should.ThrowAsync<Exception>(() =>
            (Task)asProvider.Invoke("RegisterPractitionerAsync",
                ("body", client.New("RegisterPractitioner", ("FullName", "Again"), ("Email", "gen.client@example.org")))));
        refused.GetType().GetProperty("StatusCode")!.GetValue(refused).ShouldBe(409);
    }

    private async Task<GeneratedClient> GenerateClient()
    {
        var json = await (await Host.Scenario(s => s.Get.Url("/openapi/v1.json"))).ReadAsTextAsync();
        var document = await NSwag.OpenApiDocument.FromJsonAsync(json);
        var settings = new CSharpClientGeneratorSettings
        {
            ClassName = "LedgerClient",
            UseBaseUrl = false,
            OperationNameGenerator = new SingleClientFromOperationIdOperationNameGenerator(),
            // NSwag's defaults otherwise, Newtonsoft.Json included: enum values such as "part-time" round-trip through it.
            CSharpGeneratorSettings = { Namespace = "Generated" }
        };
        var code = new CSharpClientGenerator(document, settings).GenerateFile();

        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(Newtonsoft.Json.JsonConvert).Assembly.Location)
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create("Generated.LedgerClient", [CSharpSyntaxTree.ParseText(code)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var dll = new MemoryStream();
        var emitted = compilation.Emit(dll);
        var errors = emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        errors.ShouldBeEmpty(string.Join(Environment.NewLine, errors.Take(20)));
        dll.Position = 0;
        var assembly = new AssemblyLoadContext("generated-client", isCollectible: true).LoadFromStream(dll);
        return new GeneratedClient(assembly, Host);
    }

    private sealed class GeneratedClient(Assembly assembly, IAlbaHost host)
    {
        private Type Type(string name) => assembly.GetType($"Generated.{name}") ?? throw new InvalidOperationException($"The client has no type {name}.");

        public object New(string name, params (string Property, object? Value)[] values)
        {
            var instance = Activator.CreateInstance(Type(name))!;
            foreach (var (property, value) in values)
            {
                var info = instance.GetType().GetProperty(property) ?? throw new InvalidOperationException($"{name} has no property {property}.");
                info.SetValue(instance, value);
            }
            return instance;
        }

        public Connection Connect(Action<HttpClient> credentials)
        {
            var http = host.Server.CreateClient();
            credentials(http);
            return new Connection(Activator.CreateInstance(Type("LedgerClient"), http)!);
        }
    }

    private sealed class Connection(object client)
    {
        /// <summary>Calls a generated operation by its parameters' names; the others are left out (null).</summary>
        public object Invoke(string method, params (string Name, object? Value)[] args)
        {
            var candidates = client.GetType().GetMethods().Where(m => m.Name == method).ToList();
            var target = candidates.Single(m => m.GetParameters().All(p => p.ParameterType != typeof(CancellationToken)));
            var values = target.GetParameters().Select(p => args.FirstOrDefault(a => a.Name == p.Name) is { Name: not null } a
                ? Convert(a.Value, p.ParameterType) : null).ToArray();
            return target.Invoke(client, values)!;
        }

        public async Task<dynamic> Call(string method, params (string Name, object? Value)[] args)
        {
            var task = (Task)Invoke(method, args);
            await task;
            return task.GetType().GetProperty("Result")?.GetValue(task)!;
        }

        private static object? Convert(object? value, Type type) =>
            value is Guid or string or null || type.IsInstanceOfType(value) ? value : JsonSerializer.Deserialize(JsonSerializer.Serialize(value), type);
    }
}
