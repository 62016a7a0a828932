/**
 * The runtime classes of `@azure/functions`, for ESM. The package is a CommonJS bundle whose
 * classes Node's named-export detection cannot see (`import { HttpRequest }` fails at run time,
 * while `app` happens to work), so they are taken from the default export here, once.
 */
import azureFunctions from "@azure/functions";

export const { HttpRequest, InvocationContext } = azureFunctions;
export type { HttpRequest as HttpRequestType, InvocationContext as InvocationContextType } from "@azure/functions";
