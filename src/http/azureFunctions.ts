/**
 * The runtime classes of `@azure/functions`, for ESM. The package is a CommonJS bundle whose
 * classes Node's named-export detection cannot see (`import { HttpRequest }` fails at run time,
 * while `app` happens to work), so they are taken from the default export here, once.
 */
import azureFunctions from "@azure/functions";

export const { HttpRequest, InvocationContext } = azureFunctions;

/**
 * HTTP streams (https://aka.ms/AzFuncNodeHttpStreams): a response body that is a Node `Readable`
 * goes to the client as it is produced instead of being buffered whole by the worker, which is how
 * a whole report (`format=json`) is sent without ever being one string. Set at load, before the
 * host finishes starting the app (it refuses the setting later). Only inside the Functions host
 * (which sets `FUNCTIONS_WORKER_RUNTIME`): outside it the package logs "HTTP streaming enabled."
 * to stdout, which would corrupt a CLI's JSON output, and `npm run serve` streams by itself.
 */
if (process.env.FUNCTIONS_WORKER_RUNTIME) azureFunctions.app.setup({ enableHttpStream: true });
export type { HttpRequest as HttpRequestType, InvocationContext as InvocationContextType } from "@azure/functions";
