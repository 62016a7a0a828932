// egress-audit on Azure Functions, Flex Consumption plan (Node 22): the template of `azd up`
// (azure.yaml, main.parameters.json), also deployable by hand at subscription scope.
//
// It creates the resource group with the app and its resources, and gives the app's user-assigned
// identity Reader on every audited subscription (the scanner only reads). For a management group
// instead, set assignReaderOnSubscription=false and deploy reader-management-group.bicep with the
// identity's principal id. The deployer's required roles: docs/deploy.md.
//
//   az deployment sub create --location <region> --template-file infra/main.bicep \
//     --parameters environmentName=egress-audit location=<region> scanSubscriptions=<id1>,<id2> \
//                  teamsWebhookUrl=<secret>
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name (AZURE_ENV_NAME): names the resource group and tags every resource azd-env-name.')
param environmentName string

@minLength(1)
@description('Region of the resource group and every resource; it must offer Flex Consumption (az functionapp list-flexconsumption-locations).')
param location string

@description('Object id of the deploying user or principal (AZURE_PRINCIPAL_ID): gets Key Vault Secrets Officer on the vault to rotate the webhook. Empty: none.')
param principalId string = ''

@description('Tags for every resource (landing-zone tag policies); azd-env-name is added.')
param tags object = {}

@description('Resource group to create (or reuse) for the app.')
param resourceGroupName string = 'rg-${environmentName}'

@description('Short base of resource names: lower-case letters and digits.')
@minLength(3)
@maxLength(10)
param baseName string = 'egraudit'

@description('SCAN_SUBSCRIPTIONS and the audited subscriptions: comma-separated subscription ids. The identity gets Reader on each; the timer scans them. Empty: Reader on this subscription only, and the timer scans every subscription the identity can read.')
param scanSubscriptions string = ''

@description('Give the identity Reader on each audited subscription (false: you assign Reader yourself, e.g. on a management group with reader-management-group.bicep).')
param assignReaderOnSubscription bool = true

@description('SCAN_SCHEDULE: NCRONTAB with six fields.')
param scanSchedule string = '0 0 */6 * * *'

@description('SCAN_FANOUT: off (one invocation scans the scope), queue (one queue message per shard) or auto (queue when the scope has more subscriptions than a shard).')
@allowed(['off', 'queue', 'auto'])
param scanFanout string = 'off'

@description('SCAN_SHARD_SIZE: subscriptions per shard of a fan-out.')
@minValue(1)
@maxValue(100)
param scanShardSize int = 5

@secure()
@description('TEAMS_WEBHOOK_URL: the Teams Workflows webhook, stored in Key Vault; the app setting is a Key Vault reference. Empty: no alerts.')
param teamsWebhookUrl string = ''

@secure()
@description('BASELINE_URL: where the baseline JSON is read from at each scan (may carry a SAS token), stored in Key Vault like the webhook. Empty: none.')
param baselineUrl string = ''

@description('AUTH_ALLOWED_ROLES: comma-separated app role values a caller must hold (needs authClientId). Empty: none.')
param authAllowedRoles string = ''

@description('AUTH_ALLOWED_GROUPS: comma-separated Entra group object ids a caller must belong to (needs authClientId). Empty: none.')
param authAllowedGroups string = ''

@description('Client id of the Entra app registration for App Service Authentication (the platform then sets WEBSITE_AUTH_ENABLED=true). Empty: authentication off, function keys only.')
param authClientId string = ''

@description('Change events (docs/change-events.md): a system topic in each audited subscription delivers the writes and deletes of the watched resource types to the function onResourceChange. Event Grid checks that the function exists when the subscription is created, so turn it on once the code is deployed: azd up, then azd env set CHANGE_EVENTS true and azd provision.')
param changeEvents bool = false

@description('Resource group created in each audited subscription for its system topic (Event Grid keeps a system topic in the subscription it listens to).')
param changeEventsResourceGroupName string = 'rg-${environmentName}-events'

@description('Change events: delivery attempts before an event is dead-lettered (1-30).')
@minValue(1)
@maxValue(30)
param changeEventsMaxDeliveryAttempts int = 10

@description('Change events: minutes an undelivered event is retried before it is dead-lettered (1-1440); older changes are the timer scan\'s to find.')
@minValue(1)
@maxValue(1440)
param changeEventsTimeToLiveInMinutes int = 360

var allTags = union(tags, { 'azd-env-name': environmentName })

// The audited subscriptions: trimmed, without empty items or repeats.
var auditedSubscriptions = union(filter(map(split(scanSubscriptions, ','), s => trim(s)), s => !empty(s)), [])
var readerSubscriptions = empty(auditedSubscriptions) ? [subscription().subscriptionId] : auditedSubscriptions

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: resourceGroupName
  location: location
  tags: allTags
}

module app 'modules/app.bicep' = {
  name: 'egress-audit-app'
  scope: rg
  params: {
    location: location
    tags: allTags
    baseName: baseName
    principalId: principalId
    scanSubscriptions: join(auditedSubscriptions, ',')
    scanSchedule: scanSchedule
    scanFanout: scanFanout
    scanShardSize: scanShardSize
    teamsWebhookUrl: teamsWebhookUrl
    baselineUrl: baselineUrl
    authAllowedRoles: authAllowedRoles
    authAllowedGroups: authAllowedGroups
    authClientId: authClientId
  }
}

// Reader on each audited subscription, each in its own subscription-scope deployment (the
// deployer needs the right to assign roles there too: docs/deploy.md).
module readers 'modules/reader-subscription.bicep' = [for sub in readerSubscriptions: if (assignReaderOnSubscription) {
  name: 'reader-${uniqueString(environmentName, resourceGroupName)}-${sub}'
  scope: subscription(sub)
  params: {
    principalId: app.outputs.identityPrincipalId
    resourceGroupName: resourceGroupName
    baseName: baseName
  }
}]

// Change events: a system topic and an event subscription to onResourceChange in each audited
// subscription, in a resource group of that subscription (modules/changeEvents.bicep).
module changeEventTopics 'modules/changeEvents.bicep' = [for sub in readerSubscriptions: if (changeEvents) {
  name: 'events-${uniqueString(environmentName, resourceGroupName)}-${sub}'
  scope: subscription(sub)
  params: {
    location: location
    tags: allTags
    resourceGroupName: changeEventsResourceGroupName
    systemTopicName: 'evgt-${baseName}-${uniqueString(environmentName, sub)}'
    functionAppId: app.outputs.functionAppId
    deadLetterIdentityId: app.outputs.eventsIdentityId
    deadLetterStorageAccountId: app.outputs.storageAccountId
    deadLetterContainerName: app.outputs.deadLetterContainerName
    maxDeliveryAttempts: changeEventsMaxDeliveryAttempts
    eventTimeToLiveInMinutes: changeEventsTimeToLiveInMinutes
  }
}]

// azd reads these outputs into the environment (.azure/<env>/.env).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = app.outputs.functionAppName
output AZURE_KEY_VAULT_NAME string = app.outputs.keyVaultName
output functionAppName string = app.outputs.functionAppName
output functionAppHostName string = app.outputs.defaultHostName
output identityPrincipalId string = app.outputs.identityPrincipalId
output resourceGroupName string = rg.name
output auditedSubscriptionIds array = readerSubscriptions
