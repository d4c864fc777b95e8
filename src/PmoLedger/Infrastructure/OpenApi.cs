using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace PmoLedger.Infrastructure;

/// <summary>
/// Documents a body the endpoint reads itself: a JSON object with an `items` array whose items
/// combine the properties of <paramref name="itemParts"/>, and the same rows as text/csv.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ItemsBodyAttribute(string schemaName, int maxItems, params Type[] itemParts) : Attribute
{
    public string SchemaName { get; } = schemaName;
    public int MaxItems { get; } = maxItems;
    public Type[] ItemParts { get; } = itemParts;
}

public static class OpenApiSetup
{
    private const string Problem = "ProblemDetails";

    /// <summary>
    /// OpenAPI 3.0, which every client generator reads (3.1's type arrays are not yet everywhere);
    /// every refusal the pipeline can give, declared on each route it applies to.
    /// </summary>
    public static void Configure(OpenApiOptions options)
    {
        options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_0;
        options.AddSchemaTransformer(RequiredOnlyWhenNotNullable);
        options.AddOperationTransformer(TagByFeature);
        options.AddOperationTransformer(ItemsBody);
        options.AddDocumentTransformer(async (document, context, ct) =>
        {
            document.Info.Title = "PmoLedger API";
            document.Info.Description = "The system of record for PMO practitioners' learning and careers. " +
                                        "Every refusal is application/problem+json with a `detail` saying why.";
            document.Components ??= new OpenApiComponents();
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            if (!document.Components.Schemas.ContainsKey(Problem))
                document.AddComponent(Problem, await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, ct));
            Security(document);
            foreach (var (path, item) in document.Paths)
            foreach (var (method, operation) in item.Operations ?? [])
                Refusals(document, path, method, operation);
            document.Components.Schemas.Remove("IResult");
            await ItemsBodySchemas(document, context, ct);
            foreach (var schema in document.Components.Schemas.Values.OfType<OpenApiSchema>())
            {
                PlainReferences(schema);
                // Enums travel as their kebab-case names; without the type, generators assume integers.
                if (schema.Enum is { Count: > 0 } && schema.Type is null) schema.Type = JsonSchemaType.String;
            }
            document.Tags = document.Tags?.Select(t => t.Name?.Split(".Features.") is [_, var rest] ? rest.Split('.')[0] : t.Name)
                .Distinct().Select(name => new OpenApiTag { Name = name }).ToHashSet();
        });
    }

    private static void Security(OpenApiDocument document)
    {
        document.Components!.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT",
            Description = "Admin, auditor or practitioner token (`token` command in development)."
        };
        document.Components.SecuritySchemes["apiKey"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-Api-Key",
            Description = "Training provider key, issued by an admin."
        };
        document.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("apiKey", document)] = [] }
        ];
    }

    /// <summary>The statuses the shared pipeline gives, beside the ones each route declares itself.</summary>
    private static void Refusals(OpenApiDocument document, string path, HttpMethod method, OpenApiOperation operation)
    {
        var responses = operation.Responses ??= new OpenApiResponses();
        // Wolverine's placeholder for an IResult answer: the route declares its real answers itself.
        foreach (var (code, response) in responses.ToList())
        {
            if (response.Content?.Values.Any(c => c.Schema is OpenApiSchemaReference { Reference.Id: "IResult" }) != true) continue;
            if (responses.Keys.Count(k => k.StartsWith('2')) > 1) responses.Remove(code);
            else response.Content!.Clear();
        }
        var hasPathId = path.Contains('{');
        var hasBody = operation.RequestBody is not null;
        var hasQuery = operation.Parameters?.Any(p => p.In == ParameterLocation.Query) == true;
        var writes = method == HttpMethod.Post || method == HttpMethod.Patch;
        // Wolverine declares a bare 404 and a 400 on every route; keep them where they can happen.
        if (!hasPathId && responses.TryGetValue("404", out var notFound) && notFound.Content is null or { Count: 0 }) responses.Remove("404");
        if (!hasBody && !hasQuery) responses.Remove("400");

        Add(document, responses, "401", "No credentials, or credentials not accepted.");
        Add(document, responses, "403", "The caller's role may not do this, or the record belongs to someone else.");
        if (hasPathId) Add(document, responses, "404", "No such record (an id that is not a usable GUID included).");
        if (hasBody || hasQuery) Add(document, responses, "400", "A field is missing or malformed; `errors` names it.");
        if (writes && operation.OperationId is not ("verifyProjections" or "postCompletionBatch"))
            Add(document, responses, "409", "Conflicts with what is recorded (taken, already done, or changed at the same time).");
        if (hasBody)
        {
            Add(document, responses, "413", "The body is larger than the service accepts.");
            Add(document, responses, "415", "The body's content type is not one the route reads.");
        }
        // Any route, any caller: over its share (RateLimits) or the database away (DatabaseOutage). Both carry Retry-After.
        Add(document, responses, "429", "The provider key or account sent more than its share; retry after the seconds in `Retry-After`.");
        Add(document, responses, "503", "The database cannot be reached just now; retry after the seconds in `Retry-After`.");
        foreach (var response in responses.Values.OfType<OpenApiResponse>().Where(r => r.Content is { Count: 0 }))
            response.Content = null;
    }

    private static void Add(OpenApiDocument document, OpenApiResponses responses, string code, string description)
    {
        var problem = new OpenApiMediaType { Schema = new OpenApiSchemaReference(Problem, document) };
        if (responses.TryGetValue(code, out var existing) && existing is OpenApiResponse known)
        {
            known.Description = description;
            known.Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = problem };
            return;
        }
        responses[code] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = problem }
        };
    }

    /// <summary>
    /// A nullable object property comes out as `oneOf: [null, $ref]`, which generators turn into a
    /// second, anonymous copy of the type; a plain reference (optional, as it is not required) reads as the type itself.
    /// </summary>
    private static void PlainReferences(OpenApiSchema schema)
    {
        foreach (var (name, property) in schema.Properties?.ToList() ?? [])
        {
            if (property is OpenApiSchema { OneOf.Count: 2 } nullable
                && nullable.OneOf.OfType<OpenApiSchemaReference>().ToList() is [var reference]
                && schema.Required?.Contains(name) != true)
                schema.Properties![name] = reference;
        }
    }

    /// <summary>
    /// Requests carry nullable properties so validation can name a missing field; a property is
    /// listed as required only when it can never be null. Also where a type is first met as another's
    /// property (a profile inside the personal-data export), since that schema becomes its component.
    /// </summary>
    private static Task RequiredOnlyWhenNotNullable(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (context.JsonTypeInfo.Kind != JsonTypeInfoKind.Object || schema.Properties is null)
            return Task.CompletedTask;
        var required = context.JsonTypeInfo.Properties
            .Where(p => !p.IsSetNullable && !p.IsGetNullable && Nullable.GetUnderlyingType(p.PropertyType) is null)
            .Select(p => p.Name).Where(schema.Properties.ContainsKey).ToHashSet();
        schema.Required = required.Count > 0 ? required : null;
        return Task.CompletedTask;
    }

    private static Task ItemsBody(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<ItemsBodyAttribute>().FirstOrDefault() is not { } body)
            return Task.CompletedTask;
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Description = "JSON, or text/csv with a header row naming the same fields (course as courseCode and courseTitle).",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = new OpenApiSchemaReference(body.SchemaName, context.Document) },
                ["text/csv"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } }
            }
        };
        return Task.CompletedTask;
    }

    /// <summary>
    /// The item schema of an <see cref="ItemsBodyAttribute"/> body, built once every other schema is final so
    /// its properties reference the same components (a course is a CourseInput, not a copy of one).
    /// </summary>
    private static async Task ItemsBodySchemas(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        var bodies = context.DescriptionGroups.SelectMany(g => g.Items)
            .SelectMany(d => d.ActionDescriptor.EndpointMetadata.OfType<ItemsBodyAttribute>()).DistinctBy(b => b.SchemaName);
        foreach (var body in bodies)
        {
            var item = new OpenApiSchema { Type = JsonSchemaType.Object, Properties = new Dictionary<string, IOpenApiSchema>() };
            foreach (var part in body.ItemParts)
            {
                var schema = document.Components!.Schemas!.TryGetValue(part.Name, out var known) ? known
                    : await context.GetOrCreateSchemaAsync(part, null, ct);
                foreach (var (name, property) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
                    item.Properties[name] = ComponentOf(document, part, name) ?? property;
            }
            document.AddComponent($"{body.SchemaName}Item", item);
            document.AddComponent(body.SchemaName, new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { "items" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["items"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Array, MaxItems = body.MaxItems,
                        Items = new OpenApiSchemaReference($"{body.SchemaName}Item", document)
                    }
                }
            });
        }
    }

    /// <summary>
    /// A reference to the component a part's property is typed as, when there is one: a part that is no
    /// component itself gets its object properties inline, which generators would turn into copies.
    /// </summary>
    private static OpenApiSchemaReference? ComponentOf(OpenApiDocument document, Type part, string property)
    {
        var type = part.GetProperties().FirstOrDefault(p => string.Equals(p.Name, property, StringComparison.OrdinalIgnoreCase))?.PropertyType;
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return type is not null && document.Components?.Schemas?.ContainsKey(type.Name) == true ? new OpenApiSchemaReference(type.Name, document) : null;
    }

    /// <summary>Wolverine tags each route with its endpoint class; group by feature folder (Practitioners, Providers, …) instead.</summary>
    private static Task TagByFeature(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var feature = operation.Tags?.Select(t => t.Name).FirstOrDefault(n => n?.Contains(".Features.") == true)
            ?.Split(".Features.")[1].Split('.')[0];
        if (feature is not null) operation.Tags = new HashSet<OpenApiTagReference> { new(feature, context.Document) };
        return Task.CompletedTask;
    }
}
