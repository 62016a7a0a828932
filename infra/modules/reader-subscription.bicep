// Reader for the scanner's identity on one subscription (main.bicep deploys one per audited
// subscription): every read the scanner makes, nothing else.
targetScope = 'subscription'

@description('Principal id of the app identity.')
param principalId string

@description('Resource group of the app: with baseName, makes the assignment name unique per app.')
param resourceGroupName string

@description('Base name of the app.')
param baseName string

// Reader (built-in role acdd72a7-...).
var readerRoleId = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  // The name of earlier versions' assignment on the app's own subscription, so redeploying keeps it.
  name: guid(subscription().id, resourceGroupName, baseName, readerRoleId)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', readerRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'egress-audit scanner: read-only audit of network egress'
  }
}
