// egress-audit on Azure Functions, Flex Consumption plan (Node 22).
//
// Deploy at subscription scope: it creates the resource group, the app and its resources in it,
// and gives the app's user-assigned identity Reader on this subscription (the scanner only reads).
// For a management group instead, set assignReaderOnSubscription=false and deploy
// reader-management-group.bicep with the identity's principal id (see README "Deployment").
//
//   az deployment sub create --location <region> --template-file infra/main.bicep \
//     --parameters resourceGroupName=rg-egress-audit teamsWebhookUrl=<secret>
targetScope = 'subscription'

@description('Region of the resource group and every resource; it must offer Flex Consumption (az functionapp list-flexconsumption-locations).')
param location string

@description('Resource group to create (or reuse) for the app.')
param resourceGroupName string = 'rg-egress-audit'

@description('Short base of resource names: lower-case letters and digits.')
@minLength(3)
@maxLength(10)
param baseName string = 'egraudit'

@description('SCAN_SUBSCRIPTIONS: comma-separated subscription ids the timer scans; empty scans every subscription the identity can read.')
param scanSubscriptions string = ''

@description('SCAN_SCHEDULE: NCRONTAB with six fields.')
param scanSchedule string = '0 0 */6 * * *'

@secure()
@description('TEAMS_WEBHOOK_URL: the Teams Workflows webhook. Empty: no alerts.')
param teamsWebhookUrl string = ''

@secure()
@description('BASELINE_URL: where the baseline JSON is read from at each scan (may carry a SAS token). Empty: none.')
param baselineUrl string = ''

@description('Give the identity Reader on this subscription.')
param assignReaderOnSubscription bool = true

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: resourceGroupName
  location: location
}

module app 'modules/app.bicep' = {
  name: 'egress-audit-app'
  scope: rg
  params: {
    location: location
    baseName: baseName
    scanSubscriptions: scanSubscriptions
    scanSchedule: scanSchedule
    teamsWebhookUrl: teamsWebhookUrl
    baselineUrl: baselineUrl
  }
}

// Reader (built-in role acdd72a7-...): every read the scanner makes, nothing else.
var readerRoleId = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (assignReaderOnSubscription) {
  name: guid(subscription().id, resourceGroupName, baseName, readerRoleId)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', readerRoleId)
    principalId: app.outputs.identityPrincipalId
    principalType: 'ServicePrincipal'
    description: 'egress-audit scanner: read-only audit of network egress'
  }
}

output functionAppName string = app.outputs.functionAppName
output functionAppHostName string = app.outputs.defaultHostName
output identityPrincipalId string = app.outputs.identityPrincipalId
output resourceGroupName string = rg.name
