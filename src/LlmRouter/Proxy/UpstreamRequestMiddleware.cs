using System.Diagnostics;
using LlmRouter.Chat;
using LlmRouter.Limits;
using LlmRouter.Protocols;
using LlmRouter.Providers;
using LlmRouter.Proxy.Attempts;
using LlmRouter.Resilience;
using LlmRouter.Routing;
using LlmRouter.Telemetry;
using Microsoft.AspNetCore.Http;
using Polly.CircuitBreaker;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace LlmRouter.Proxy;

/// <summary>
/// The translate and forward stages of one attempt, after load balancing picked a destination: translate the parsed
/// request for its provider, install it as the body YARP forwards, stamp the routing decision on the response, and
/// run the forwarder under the deployment's circuit breaker — one Polly execution per attempt, whose outcome is
/// the attempt's <see cref="AttemptResult"/> (recorded after the send while the circuit is closed, around it otherwise). A forwarder failure nobody else reported becomes that result here.
/// </summary>
internal sealed class UpstreamRequestMiddleware
{
    private readonly RequestDelegate _next;
    private readonly ProviderAdapters _adapters;
    private readonly DeploymentCircuitBreakers _breakers;
    private readonly DeploymentQuotaGate _quotas;

    public UpstreamRequestMiddleware(RequestDelegate next, ProviderAdapters adapters, DeploymentCircuitBreakers breakers, DeploymentQuotaGate quotas)
    {
        _next = next;
        _adapters = adapters;
        _breakers = breakers;
        _quotas = quotas;
    }

    // The checks and the translation are synchronous; only sending needs a state machine (one per attempt).
    public Task InvokeAsync(HttpContext context)
    {
        var routing = context.Features.Get<ChatRoutingFeature>();
        var attempt = context.Features.Get<UpstreamAttempt>();
        var proxy = context.Features.Get<IReverseProxyFeature>();
        if (routing is null || attempt is null || proxy is null || proxy.AvailableDestinations.Count == 0)
        {
            return _next(context);
        }

        var destination = proxy.AvailableDestinations[0];
        attempt.Pick(destination.DestinationId);
        if (!routing.Catalog.Deployments.TryGetValue(destination.DestinationId, out var deployment))
        {
            // A reload added this destination after the request took its catalog snapshot: never forward
            // with another deployment's state (key, path, body); try elsewhere instead.
            attempt.Report(AttemptResult.NotSent(new UpstreamError(503, $"The deployment `{destination.DestinationId}` is being reconfigured.", "server_error", "route_not_ready")));
            return Task.CompletedTask;
        }

        var adapter = _adapters[deployment.Provider];
        UpstreamRequest upstream;
        try
        {
            upstream = ProtocolBridge.CreateRequest(adapter, routing, deployment);
            UpstreamHeaders.ValidateForwarded(context, deployment);
        }
        catch (InvalidRequestException ex)
        {
            // This deployment cannot take the request as sent; the loop decides whether that is the answer.
            attempt.Report(AttemptResult.NotSent(new UpstreamError(ex.StatusCode, ex.Message, "invalid_request_error", ex.Code) { Param = ex.Param }));
            return Task.CompletedTask;
        }

        if (upstream.Rented is { } rented)
        {
            context.Response.OnCompleted(BodyBuffers.ReturnOnCompleted, rented);
        }

        return SendAsync(context, routing, attempt, deployment, adapter, upstream);
    }

    /// <summary>Takes a place in the deployment's provider quota when it has one, then forwards under its breaker.</summary>
    private async Task SendAsync(HttpContext context, ChatRoutingFeature routing, UpstreamAttempt attempt, Configuration.Deployment deployment,
        IProviderAdapter adapter, UpstreamRequest upstream)
    {
        DeploymentQuotaTicket? quota = null;
        if (DeploymentQuotaGate.HasQuota(deployment))
        {
            try
            {
                quota = await _quotas.AcquireAsync(deployment, routing.Request, routing.Catalog.Options.Auth, context.Features.Get<Reservation>()?.Tokens,
                    attempt.ClientAborted);
            }
            catch (FleetStoreUnavailableException)
            {
                attempt.Report(AttemptResult.NotSent(new UpstreamError(503, "Provider quotas cannot be checked right now; retry shortly.", "server_error", "limits_unavailable",
                    TimeSpan.FromSeconds(1))));
                return;
            }

            if (!quota.Admitted)
            {
                // At its provider quota: this deployment is cooling down for the fleet; the loop tries elsewhere.
                attempt.Report(AttemptResult.NotSent(new UpstreamError(429, $"The deployment `{deployment.Id}` is at its provider quota.", "rate_limit_error",
                    "rate_limit_exceeded", quota.RetryAfter)));
                return;
            }
        }

        try
        {
            var request = context.Request;
            request.Body = new ReadOnlyMemoryStream(upstream.Body);
            request.ContentLength = upstream.Body.Length;

            var headers = context.Response.Headers;
            headers[ProxyIds.RouteHeader] = routing.Route.Name;
            headers[ProxyIds.DeploymentHeader] = deployment.Id;
            headers[ProxyIds.PolicyHeader] = routing.Route.Options.Policy;
            headers[ProxyIds.AttemptsHeader] = attempt.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (routing.Category is { } category)
            {
                headers[ProxyIds.CategoryHeader] = category;
            }

            // The span's name is built only when someone listens (spans are exported).
            using var activity = GatewayTracing.Source.HasListeners() ? GatewayTracing.Source.StartActivity($"chat {deployment.UpstreamModel}", ActivityKind.Client) : null;
            if (activity is not null)
            {
                activity.SetTag("gen_ai.operation.name", "chat");
                activity.SetTag("gen_ai.provider.name", GatewayMetrics.ProviderName(deployment.Provider));
                activity.SetTag("gen_ai.request.model", deployment.UpstreamModel);
                activity.SetTag("llmrouter.route", routing.Route.Name);
                activity.SetTag("llmrouter.deployment", deployment.Id);
                activity.SetTag("llmrouter.attempt", attempt.Number);
            }

            var breaker = _breakers.For(deployment.Id);
            if (breaker.IsClosed)
            {
                // The common case: send, then give the breaker the outcome (see Breaker.IsClosed).
                attempt.Start(deployment, adapter, upstream.PathAndQuery);
                try
                {
                    await _next(context);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    await breaker.RecordAsync(AttemptVerdict.Failure);
                    throw;
                }

                attempt.Report(FromForwarder(context, attempt));
                await breaker.RecordAsync(attempt.Result!.Value.Verdict);
            }
            else
            {
                await ForwardThroughBreakerAsync(breaker, new ForwardScope(_next, context, attempt, deployment, adapter, upstream.PathAndQuery));
            }

            if (activity is not null && attempt.Result is { } result)
            {
                if (result.Usage is { } usage)
                {
                    activity.SetTag("gen_ai.usage.input_tokens", usage.PromptTokens);
                    activity.SetTag("gen_ai.usage.output_tokens", usage.CompletionTokens);
                }

                if (result.Kind != AttemptResultKind.Succeeded)
                {
                    activity.SetStatus(ActivityStatusCode.Error, result.Error?.Code ?? result.Error?.Type);
                }
            }
        }
        finally
        {
            if (quota is not null)
            {
                var result = attempt.Result;
                _quotas.Settle(quota, result?.Usage, result?.Kind == AttemptResultKind.Succeeded);
            }
        }
    }

    /// <summary>Half-open (or open): the pipeline decides whether this attempt is the one probe.</summary>
    private static async Task ForwardThroughBreakerAsync(DeploymentCircuitBreakers.Breaker breaker, ForwardScope scope)
    {
        try
        {
            await breaker.Pipeline.ExecuteAsync(static async (scope, _) =>
            {
                scope.Attempt.Start(scope.Deployment, scope.Adapter, scope.PathAndQuery);
                await scope.Next(scope.Context);
                scope.Attempt.Report(FromForwarder(scope.Context, scope.Attempt));
                return scope.Attempt.Result!.Value.Verdict;
            }, scope, CancellationToken.None);
        }
        catch (BrokenCircuitException)
        {
            // Half-open and its one probe is already under way: this request tries elsewhere.
            scope.Attempt.Report(AttemptResult.NotSent(new UpstreamError(503, $"The deployment `{scope.Deployment.Id}` is being probed after its circuit opened.", "server_error", "circuit_open")));
        }
    }

    /// <summary>The result of an attempt that ended inside the forwarder, before any transform could report one.</summary>
    private static AttemptResult FromForwarder(HttpContext context, UpstreamAttempt attempt)
    {
        if (attempt.ClientAborted.IsCancellationRequested)
        {
            return AttemptResult.Aborted();
        }

        var deployment = attempt.Deployment!.Id;
        if (attempt.FirstTokenTimedOut)
        {
            return AttemptResult.Failed(new UpstreamError(504, $"The deployment `{deployment}` did not answer within the time-to-first-token limit.", "server_error", "timeout"));
        }

        return context.Features.Get<IForwarderErrorFeature>()?.Error switch
        {
            ForwarderError.RequestTimedOut => AttemptResult.Failed(new UpstreamError(504, $"The deployment `{deployment}` did not answer in time.", "server_error", "timeout")),

            // The request could not even be built: nothing reached the upstream, and it says nothing about it.
            ForwarderError.RequestCreation => AttemptResult.NotSent(new UpstreamError(400, "The request could not be sent upstream as given.", "invalid_request_error", "invalid_request")),
            ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient
                or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient => AttemptResult.Aborted(),
            { } error => AttemptResult.Failed(new UpstreamError(502, $"The deployment `{deployment}` could not be reached ({error}).", "server_error", "upstream_unavailable")),
            null => AttemptResult.Failed(new UpstreamError(502, $"The deployment `{deployment}` gave no usable response.", "server_error", "upstream_error")),
        };
    }

    private sealed record ForwardScope(RequestDelegate Next, HttpContext Context, UpstreamAttempt Attempt, Configuration.Deployment Deployment, IProviderAdapter Adapter, string PathAndQuery);
}
